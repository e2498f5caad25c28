/**
 * Upstream drift check: compares spec/togai-credits.yaml with Togai's published
 * document (../shared/reference/togai-credits-upstream.yaml, outside the repo)
 * fact by fact. Fails on every structural difference that spec/DEVIATIONS.md
 * does not excuse, on every excuse that no longer matches a difference, and on
 * a malformed DEVIATIONS.md. A self-test proves the checker can fail.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import {
  collectFacts,
  diffFacts,
  formatDiff,
  indexedDeviationIds,
  isJsonObject,
  parseDeviations,
  type Deviation,
  type FactDiff,
  type JsonObject,
} from './spec-facts.js';

const OURS_PATH = fileURLToPath(new URL('../../spec/togai-credits.yaml', import.meta.url));
const DEVIATIONS_PATH = fileURLToPath(new URL('../../spec/DEVIATIONS.md', import.meta.url));
const UPSTREAM_PATH = fileURLToPath(
  new URL('../../../shared/reference/togai-credits-upstream.yaml', import.meta.url),
);

const MISSING_UPSTREAM =
  `Upstream reference document not found at ${UPSTREAM_PATH}. ` +
  'The drift check needs Togai\'s published spec in ../shared/reference/ next to the repo ' +
  '(present on every dev and CI machine); restore it there, do not copy it into the repo.';

function loadYaml(path: string): unknown {
  return parse(readFileSync(path, 'utf8'));
}

function loadUpstream(): unknown {
  if (!existsSync(UPSTREAM_PATH)) throw new Error(MISSING_UPSTREAM);
  return loadYaml(UPSTREAM_PATH);
}

function loadDeviations(): Deviation[] {
  return parseDeviations(readFileSync(DEVIATIONS_PATH, 'utf8'));
}

function excusedKeys(deviations: readonly Deviation[]): Set<string> {
  return new Set(deviations.flatMap((deviation) => deviation.affects));
}

/** Differences from upstream that no deviation excuses. */
function unexcusedDifferences(upstream: unknown, ours: unknown, deviations: readonly Deviation[]): FactDiff[] {
  const excused = excusedKeys(deviations);
  return diffFacts(collectFacts(upstream), collectFacts(ours)).filter((diff) => !excused.has(diff.key));
}

/** The object at `path` inside a parsed document, for the self-test's edits. */
function objectAt(document: unknown, ...path: string[]): JsonObject {
  let node: unknown = document;
  for (const segment of path) {
    if (!isJsonObject(node)) break;
    node = node[segment];
  }
  if (!isJsonObject(node)) throw new Error(`No object at ${path.join('/')}`);
  return node;
}

describe('spec/togai-credits.yaml against upstream', () => {
  it('has the upstream reference document to compare with', () => {
    expect(existsSync(UPSTREAM_PATH), MISSING_UPSTREAM).toBe(true);
  });

  it('differs from upstream only where spec/DEVIATIONS.md says so', () => {
    const unexcused = unexcusedDifferences(loadUpstream(), loadYaml(OURS_PATH), loadDeviations());
    const lines = unexcused.map((diff) => `  ${formatDiff(diff)}`);
    expect(
      unexcused.map((diff) => diff.key),
      `${unexcused.length} difference(s) from upstream are not listed in spec/DEVIATIONS.md. ` +
        'Fix spec/togai-credits.yaml, or add each key to the affects block of a deviation ' +
        `with its reason:\n${lines.join('\n')}\n`,
    ).toEqual([]);
  });

  it('lists no stale deviation keys in spec/DEVIATIONS.md', () => {
    const differing = new Set(
      diffFacts(collectFacts(loadUpstream()), collectFacts(loadYaml(OURS_PATH))).map((diff) => diff.key),
    );
    const stale = loadDeviations().flatMap((deviation) =>
      deviation.affects.filter((key) => !differing.has(key)).map((key) => `${deviation.id}: ${key}`),
    );
    expect(
      stale,
      'These keys in spec/DEVIATIONS.md name nothing that differs from upstream (typo, or the ' +
        `deviation was undone); correct or remove them:\n  ${stale.join('\n  ')}\n`,
    ).toEqual([]);
  });
});

describe('spec/DEVIATIONS.md', () => {
  it('has deviations with unique ids, a title and a reason each', () => {
    const deviations = loadDeviations();
    expect(deviations.length).toBeGreaterThan(0);
    const ids = deviations.map((deviation) => deviation.id);
    expect(new Set(ids).size, `duplicate ids in ${ids.join(', ')}`).toBe(ids.length);
    for (const deviation of deviations) {
      expect(deviation.title, `${deviation.id} has no title`).not.toBe('');
      expect(deviation.reason, `${deviation.id} has no **Reason:**`).not.toBe('');
    }
  });

  it('lists every deviation in its index, in order', () => {
    const markdown = readFileSync(DEVIATIONS_PATH, 'utf8');
    expect(indexedDeviationIds(markdown)).toEqual(parseDeviations(markdown).map((deviation) => deviation.id));
  });

  it('excuses each key in one deviation only', () => {
    const owners = new Map<string, string[]>();
    for (const deviation of loadDeviations()) {
      for (const key of deviation.affects) owners.set(key, [...(owners.get(key) ?? []), deviation.id]);
    }
    const shared = [...owners].filter(([, ids]) => ids.length > 1).map(([key, ids]) => `${key} (${ids.join(', ')})`);
    expect(shared).toEqual([]);
  });
});

describe('drift checker self-test', () => {
  it('sees through upstream allOf and our JSON-pointer refs', () => {
    const upstream = collectFacts(loadUpstream());
    const ours = collectFacts(loadYaml(OURS_PATH));
    for (const facts of [upstream, ours]) {
      // From CreditRequest, reached through allOf upstream and pointer refs in ours.
      expect(facts.get('schema:Credit#properties/accountId/type')).toBe('"string"');
      expect(facts.get('schema:Credit#required/effectiveFrom')).toBe('true');
      expect(facts.get('schema:CreditDetailsResponse#properties/status/enum/VOIDED')).toBe('true');
      expect(facts.get('schema:CreditDetailsResponse#properties/transactions/items/$ref')).toBe('"CreditTransaction"');
    }
    // Ours: through components/parameters/CreditId.
    expect(ours.get('param:POST /credits/{credit_id}/void#path:credit_id/schema/maxLength')).toBe('50');
  });

  const mutations: ReadonlyArray<{ name: string; key: string; mutate: (ours: unknown) => void }> = [
    {
      name: 'a removed enum value',
      key: 'schema:CreditTransaction#properties/transactionType/enum/VOIDED',
      mutate: (ours) => {
        objectAt(ours, 'components', 'schemas', 'CreditTransaction', 'properties', 'transactionType').enum = [
          'CREDITED',
          'DEBITED',
          'EXPIRED',
        ];
      },
    },
    {
      name: 'a removed property',
      key: 'schema:CreditBalanceResponse#properties/runningBalance',
      mutate: (ours) => {
        delete objectAt(ours, 'components', 'schemas', 'CreditBalanceResponse', 'properties').runningBalance;
      },
    },
    {
      name: 'a changed maxLength',
      key: 'schema:ErrorResponse#properties/message/maxLength',
      mutate: (ours) => {
        objectAt(ours, 'components', 'schemas', 'ErrorResponse', 'properties', 'message').maxLength = 400;
      },
    },
    {
      name: 'a dropped required field',
      key: 'schema:CreditRequest#required/effectiveFrom',
      mutate: (ours) => {
        objectAt(ours, 'components', 'schemas', 'CreditRequest').required = ['accountId', 'purpose', 'priority'];
      },
    },
    {
      name: 'a removed response status',
      key: 'response:GET /credits#429',
      mutate: (ours) => {
        delete objectAt(ours, 'paths', '/credits', 'get', 'responses')['429'];
      },
    },
    {
      name: 'a changed parameter type',
      key: 'param:GET /credits#query:pageSize/schema/type',
      mutate: (ours) => {
        const parameters = objectAt(ours, 'paths', '/credits', 'get').parameters;
        const pageSize = Array.isArray(parameters)
          ? parameters.find((parameter) => isJsonObject(parameter) && parameter.name === 'pageSize')
          : undefined;
        if (!isJsonObject(pageSize)) throw new Error('pageSize parameter not found');
        pageSize.schema = { type: 'string' };
      },
    },
  ];

  it.each(mutations)('reports $name by its key', ({ key, mutate }) => {
    const ours = loadYaml(OURS_PATH);
    mutate(ours);
    const unexcused = unexcusedDifferences(loadUpstream(), ours, loadDeviations()).map((diff) => diff.key);
    expect(unexcused).toContain(key);
  });
});
