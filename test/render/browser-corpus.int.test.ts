import { issuesAndRenderFixtures } from '../helpers/fixtures.ts';
import { describeLayouts, layoutCases } from '../helpers/layout-suite.ts';

// The author corpus (test/fixtures/render-issues: issues written beyond the seeds — RTL, wide tables,
// 50 articles, Kazakh, Chinese, emoji…) at every phone width and at 600 px, the message's own width.
describeLayouts(
  'the author corpus in Chromium',
  layoutCases(
    issuesAndRenderFixtures().filter((f) => f.includes('render-issues')),
    [320, 375, 414, 600],
  ),
);
