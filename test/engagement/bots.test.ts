import { describe, expect, it } from 'vitest';
import { machineRequest } from '../../src/engagement/bots.ts';

const CHROME =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36';
const IPHONE =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148';
const THUNDERBIRD = 'Mozilla/5.0 (X11; Linux x86_64; rv:115.0) Gecko/20100101 Thunderbird/115.10.1';

describe('who followed a tracked link: a person or a machine (issue 23)', () => {
  it('takes browsers and mail apps for people', () => {
    for (const ua of [CHROME, IPHONE, THUNDERBIRD]) expect(machineRequest('GET', ua), ua).toBeNull();
  });

  it('names the machines: HEAD, no agent, Apple’s proxy, webmail proxies, mail scanners, crawlers', () => {
    expect(machineRequest('HEAD', CHROME)).toBe('head');
    expect(machineRequest('GET', undefined)).toBe('no-agent');
    expect(machineRequest('GET', '  ')).toBe('no-agent');
    expect(machineRequest('GET', 'Mozilla/5.0')).toBe('apple-mpp');
    expect(
      machineRequest(
        'GET',
        'Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 (via ggpht.com GoogleImageProxy)',
      ),
    ).toBe('image-proxy');
    expect(
      machineRequest('GET', 'YahooMailProxy; https://help.yahoo.com/kb/yahoo-mail-proxy-SLN28749.html'),
    ).toBe('image-proxy');
    for (const ua of [
      'Mozilla/5.0 (compatible; Barracuda Sentinel)',
      'Mimecast-URL-Protect/1.0',
      'Proofpoint URL Defense',
      'Microsoft Office Existence Discovery',
      'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) BingPreview/1.0b',
    ])
      expect(machineRequest('GET', ua), ua).toBe('mail-scanner');
    for (const ua of [
      'curl/8.5.0',
      'python-requests/2.31',
      'Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)',
      'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
    ])
      expect(machineRequest('GET', ua), ua).toBe('crawler');
  });
});
