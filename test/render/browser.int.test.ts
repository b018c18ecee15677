import { listIssueFiles } from '../../src/content/load.ts';
import { ISSUES_DIR } from '../helpers/fixtures.ts';
import { describeLayouts, layoutCases } from '../helpers/layout-suite.ts';

// The repository's issues, at a phone's and a desktop's width (the author corpus: browser-corpus).
describeLayouts('the repository’s issues in Chromium', layoutCases(listIssueFiles(ISSUES_DIR), [375, 800]));
