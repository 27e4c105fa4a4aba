// Checks the messages of commits made after the history this rule starts from: a subject of at
// most 72 characters in the imperative, a blank line, and a body that says why.
// `node scripts/check-commits.mjs [range]`; `npm test` runs it on the whole checked history.
import { execFileSync } from 'node:child_process';

/** The last commit before the rule; older subjects are left as they were written. */
const RULE_STARTS_AFTER = 'b9bead2';
/** Commits that landed before this check saw them; history is not rewritten for a message. */
const GRANDFATHERED = new Set(['2fa63357']);
const MAX_SUBJECT = 72;
// Subjects in the imperative start with a verb's base form ("Add"), not "Added" or "Adds".
const NOT_IMPERATIVE =
  /^(Add|Fix|Make|Move|Remove|Update|Use|Change|Rename|Refactor|Implement|Improve|Create|Delete|Replace|Show|Test)(ed|es|s|ing)\b|^(Made|Wrote|Took)\b/;

const range = process.argv[2] ?? `${RULE_STARTS_AFTER}..HEAD`;
const git = (...args) => execFileSync('git', args, { encoding: 'utf8' });

let hashes;
try {
  hashes = git('rev-list', '--no-merges', range).split('\n').filter(Boolean);
} catch {
  // A shallow clone without the starting commit has nothing to check against.
  console.log(`commit messages: ${range} is not in this clone's history; nothing checked`);
  process.exit(0);
}

const problems = [];
for (const hash of hashes.filter((h) => !GRANDFATHERED.has(h.slice(0, 8)))) {
  const message = git('log', '-1', '--format=%B', hash).replace(/\s+$/, '');
  const [subject = '', blank, ...body] = message.split('\n');
  const say = (problem) => problems.push(`${hash.slice(0, 8)} "${subject}": ${problem}`);
  if (subject.length > MAX_SUBJECT)
    say(`subject has ${subject.length} characters; keep it to ${MAX_SUBJECT}`);
  if (/\.$/.test(subject)) say('subject ends with a full stop');
  if (NOT_IMPERATIVE.test(subject)) say('subject is not in the imperative ("Add", not "Added")');
  if (blank !== undefined && blank.trim() !== '') say('no blank line after the subject');
  if (body.join('').trim() === '') say('no body: say why in a few lines after the subject');
}

if (problems.length > 0) {
  console.log(`commit messages:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  process.exit(1);
}
console.log(`commit messages: ${hashes.length} checked, all fine`);
