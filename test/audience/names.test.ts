import { describe, expect, it } from 'vitest';
import { nameParts } from '../../src/audience/names.ts';

describe('a reader’s first and last names', () => {
  it('takes the first name an import kept, empty included, over the first word of the name', () => {
    // Only a last name: no first name, so the greeting falls back to the documented default.
    expect(nameParts('Peeters', { first_name: '' })).toEqual({ firstName: undefined, lastName: 'Peeters' });
    // A first name of two words stays whole.
    expect(nameParts('Marie Claire Dupont', { first_name: 'Marie Claire' })).toEqual({
      firstName: 'Marie Claire',
      lastName: 'Dupont',
    });
    expect(nameParts('Aigerim', { first_name: 'Aigerim' })).toEqual({
      firstName: 'Aigerim',
      lastName: undefined,
    });
  });

  it('without one, splits the name at its first word', () => {
    expect(nameParts('Claire Dubois', {})).toEqual({ firstName: 'Claire', lastName: 'Dubois' });
    expect(nameParts(null, {})).toEqual({ firstName: undefined, lastName: undefined });
    expect(nameParts('  ', { city: 'Almaty' })).toEqual({ firstName: undefined, lastName: undefined });
    // An attribute that is not a string is not a first name.
    expect(nameParts('Claire Dubois', { first_name: 3 })).toEqual({
      firstName: 'Claire',
      lastName: 'Dubois',
    });
  });
});
