/** What a model card says about one exported stage; everything comes from the studio's rows. */
export interface ModelCardInput {
  run: { name: string; arch: string; config: Record<string, unknown> };
  backbone: string;
  dataset: {
    name: string;
    version: number;
    classes: string[];
    counts: Record<string, Record<string, number>>;
  };
  preprocessing: Record<string, unknown> | null;
  stages: {
    number: number;
    kind: string;
    params: Record<string, unknown>;
    status: string;
    errorRate: number | null;
  }[];
  stage: { number: number; errorRate: number; n: number };
  bestErrorRate: number | null;
  perClass: { class: string; precision: number; recall: number; support: number }[];
  confused: [string, string, number][];
}

const pct = (x: number) => `${(x * 100).toFixed(2)} %`;
// Markdown table cells: pipes and line breaks in names would break the table.
const cell = (text: unknown) => String(text).replace(/\|/g, '\\|').replace(/\s+/g, ' ');
const table = (head: string[], rows: unknown[][]) =>
  [
    `| ${head.join(' | ')} |`,
    `| ${head.map(() => '---').join(' | ')} |`,
    ...rows.map((r) => `| ${r.map(cell).join(' | ')} |`),
  ].join('\n');

/** README.md of an exported model: a model card (Mitchell et al.) in the studio's terms. */
export function renderModelCard(card: ModelCardInput): string {
  const splits = ['train', 'valid', 'test'].filter((s) =>
    Object.values(card.dataset.counts[s] ?? {}).some((n) => n > 0),
  );
  const classRows = card.dataset.classes.map((c) => [
    c,
    ...splits.map((s) => card.dataset.counts[s]?.[c] ?? 0),
  ]);
  return [
    `# ${card.run.name}: stage ${card.stage.number}`,
    '',
    `An image classifier trained in the studio (fastai lesson 1 style) on **${card.dataset.name}**, version ${card.dataset.version}. It tells apart ${card.dataset.classes.length} classes.`,
    '',
    '## Data',
    '',
    table(['class', ...splits], classRows),
    '',
    '## Model',
    '',
    `- Architecture: \`${card.run.arch}\` with fastai's head (concat pooling, batch norm, dropout, two linear layers).`,
    `- Backbone: ${card.backbone}`,
    `- Preprocessing: ${card.preprocessing ? `\`${JSON.stringify(card.preprocessing)}\`` : 'see preprocessing.json'}`,
    `- Run settings: \`${JSON.stringify(card.run.config)}\``,
    '',
    '## Training stages',
    '',
    table(
      ['stage', 'kind', 'settings', 'status', 'error rate'],
      card.stages.map((s) => [
        s.number,
        s.kind,
        JSON.stringify(s.params),
        s.status,
        s.errorRate === null ? '' : pct(s.errorRate),
      ]),
    ),
    '',
    '## Results on the validation set',
    '',
    `- Error rate of this model (stage ${card.stage.number}): ${pct(card.stage.errorRate)} on ${card.stage.n} images.`,
    `- Best error rate of the run: ${card.bestErrorRate === null ? 'none recorded' : pct(card.bestErrorRate)}.`,
    '',
    table(
      ['class', 'precision', 'recall', 'support'],
      card.perClass.map((p) => [p.class, p.precision.toFixed(3), p.recall.toFixed(3), p.support]),
    ),
    '',
    '### Most confused pairs (actual → predicted, count)',
    '',
    card.confused.length === 0
      ? 'None: every validation image was classified correctly.'
      : card.confused
          .slice(0, 10)
          .map(([a, p, n]) => `- ${a} → ${p}: ${n}`)
          .join('\n'),
    '',
    '## Known limits',
    '',
    '- The model always answers with one of its classes: there is no "none of these" class, so an image unlike the training data gets a confident, wrong answer.',
    `- It has seen only the ${card.dataset.name} photos above; other cameras, lighting or backgrounds can lower its accuracy below the validation figures.`,
    '- The validation set is small for rare classes: their precision and recall above are rough.',
    '- Images are prepared as in preprocessing.json; another resize or normalisation gives other answers.',
    '',
  ].join('\n');
}
