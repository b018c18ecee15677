import { Hr, Img, Link, Text } from '@react-email/components';
import { toJsxRuntime } from 'hast-util-to-jsx-runtime';
import type { ReactNode } from 'react';
import { Fragment as ReactFragment } from 'react';
import { jsx, jsxs } from 'react/jsx-runtime';
import type { Fragment } from './fragments.ts';

/** Turns an issue fragment into React Email components (p → Text, a → Link, img → Img, hr → Hr). */
export function fragmentToReact(fragment: Fragment): ReactNode {
  return toJsxRuntime(fragment.hast, {
    Fragment: ReactFragment,
    jsx,
    jsxs,
    components: { p: Text, a: Link, img: Img, hr: Hr },
  });
}
