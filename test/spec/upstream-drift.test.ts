/**
 * Upstream drift check: compares spec/togai-credits.yaml with Togai's published
 * document fact by fact. Fails on every structural difference that
 * spec/DEVIATIONS.md does not excuse, on every excuse that no longer matches a
 * difference, and on a malformed DEVIATIONS.md.
 *
 * Togai's document lives outside the repository, in
 * ../shared/reference/togai-credits-upstream.yaml beside the clone (our own
 * machines and CI have it; .ci/run refuses to run without it). Where it is
 * missing, only that comparison is skipped, with one loud line: the checker's
 * self-test runs everywhere on a made-up pair of documents of its own
 * (test/fixtures/drift/), and proves the checker can fail.
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

const DEVIATIONS_PATH = fileURLToPath(new URL('../../spec/DEVIATIONS.md', import.meta.url));

/**
 * The documents compared with their upstream. A key in an affects block of
 * spec/DEVIATIONS.md belongs to the credits document unless it starts with
 * another document's `keyPrefix` (e.g. `togai-accounts.yaml schema:Account#...`).
 */
interface ComparedDocument {
  name: string;
  ours: string;
  upstream: string;
  keyPrefix: string;
}

const DOCUMENTS: readonly ComparedDocument[] = [
  {
    name: 'togai-credits',
    ours: fileURLToPath(new URL('../../spec/togai-credits.yaml', import.meta.url)),
    upstream: fileURLToPath(new URL('../../../shared/reference/togai-credits-upstream.yaml', import.meta.url)),
    keyPrefix: '',
  },
  {
    name: 'togai-accounts',
    ours: fileURLToPath(new URL('../../spec/togai-accounts.yaml', import.meta.url)),
    upstream: fileURLToPath(new URL('../../../shared/reference/togai-accounts-upstream.yaml', import.meta.url)),
    keyPrefix: 'togai-accounts.yaml ',
  },
];
const [CREDITS, ACCOUNTS] = DOCUMENTS as [ComparedDocument, ComparedDocument];
const OURS_PATH = CREDITS.ours;

const hasUpstream = (doc: ComparedDocument): boolean => existsSync(doc.upstream);
for (const doc of DOCUMENTS) {
  if (!hasUpstream(doc)) {
    console.warn(
      `SKIPPED: the comparison of spec/${doc.name}.yaml with Togai's published spec: ${doc.upstream} ` +
        "is not beside this clone (only our own machines and CI have it); the drift checker's self-test still runs.",
    );
  }
}

/** The deviations as they concern one document: only its keys, without its prefix. */
function forDocument(deviations: readonly Deviation[], doc: ComparedDocument): Deviation[] {
  const others = DOCUMENTS.filter((d) => d !== doc && d.keyPrefix !== '').map((d) => d.keyPrefix);
  return deviations.map((deviation) => ({
    ...deviation,
    affects: deviation.affects
      .filter((key) => (doc.keyPrefix === '' ? !others.some((p) => key.startsWith(p)) : key.startsWith(doc.keyPrefix)))
      .map((key) => key.slice(doc.keyPrefix.length)),
  }));
}

/** The made-up pair the self-test uses: an "upstream", an "ours" and the deviations between them. */
const SYNTHETIC = {
  upstream: fileURLToPath(new URL('../fixtures/drift/upstream.yaml', import.meta.url)),
  ours: fileURLToPath(new URL('../fixtures/drift/ours.yaml', import.meta.url)),
  deviations: fileURLToPath(new URL('../fixtures/drift/DEVIATIONS.md', import.meta.url)),
};

function loadYaml(path: string): unknown {
  return parse(readFileSync(path, 'utf8'));
}

function loadDeviations(path = DEVIATIONS_PATH): Deviation[] {
  return parseDeviations(readFileSync(path, 'utf8'));
}

function excusedKeys(deviations: readonly Deviation[]): Set<string> {
  return new Set(deviations.flatMap((deviation) => deviation.affects));
}

/** Differences from upstream that no deviation excuses. */
function unexcusedDifferences(upstream: unknown, ours: unknown, deviations: readonly Deviation[]): FactDiff[] {
  const excused = excusedKeys(deviations);
  return diffFacts(collectFacts(upstream), collectFacts(ours)).filter((diff) => !excused.has(diff.key));
}

/** Excuses (as "D<n>: key") that name nothing differing between the documents. */
function staleExcuses(upstream: unknown, ours: unknown, deviations: readonly Deviation[]): string[] {
  const differing = new Set(diffFacts(collectFacts(upstream), collectFacts(ours)).map((diff) => diff.key));
  return deviations.flatMap((deviation) =>
    deviation.affects.filter((key) => !differing.has(key)).map((key) => `${deviation.id}: ${key}`),
  );
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

describe.each(DOCUMENTS.map((doc) => [doc.name, doc] as const))(
  "spec/%s.yaml against Togai's published spec",
  (_name, doc) => {
    const upstream = () => loadYaml(doc.upstream);
    const ours = () => loadYaml(doc.ours);
    const deviations = () => forDocument(loadDeviations(), doc);
    const prefix = doc.keyPrefix === '' ? '' : ` (each key prefixed \`${doc.keyPrefix}\`)`;

    it.skipIf(!hasUpstream(doc))('differs from upstream only where spec/DEVIATIONS.md says so', () => {
      const unexcused = unexcusedDifferences(upstream(), ours(), deviations());
      const lines = unexcused.map((diff) => `  ${formatDiff(diff)}`);
      expect(
        unexcused.map((diff) => diff.key),
        `${unexcused.length} difference(s) from upstream are not listed in spec/DEVIATIONS.md. ` +
          `Fix spec/${doc.name}.yaml, or add each key${prefix} to the affects block of a deviation ` +
          `with its reason:\n${lines.join('\n')}\n`,
      ).toEqual([]);
    });

    it.skipIf(!hasUpstream(doc))('lists no stale deviation keys in spec/DEVIATIONS.md', () => {
      const stale = staleExcuses(upstream(), ours(), deviations());
      expect(
        stale,
        `These keys${prefix} in spec/DEVIATIONS.md name nothing that differs from upstream (typo, or the ` +
          `deviation was undone); correct or remove them:\n  ${stale.join('\n  ')}\n`,
      ).toEqual([]);
    });
  },
);

describe.skipIf(!hasUpstream(CREDITS))('spec/togai-credits.yaml read through allOf', () => {
  it('reads upstream through its allOf compositions like ours through its pointer refs', () => {
    for (const facts of [collectFacts(loadYaml(CREDITS.upstream)), collectFacts(loadYaml(OURS_PATH))]) {
      // From CreditRequest, reached through allOf upstream and pointer refs in ours.
      expect(facts.get('schema:Credit#properties/accountId/type')).toBe('"string"');
      expect(facts.get('schema:Credit#required/effectiveFrom')).toBe('true');
      expect(facts.get('schema:CreditDetailsResponse#properties/status/enum/VOIDED')).toBe('true');
      expect(facts.get('schema:CreditDetailsResponse#properties/transactions/items/$ref')).toBe('"CreditTransaction"');
    }
  });
});

describe.skipIf(!hasUpstream(ACCOUNTS))('spec/togai-accounts.yaml read through allOf', () => {
  it('reads upstream through its allOf compositions like ours through its pointer refs', () => {
    for (const facts of [collectFacts(loadYaml(ACCOUNTS.upstream)), collectFacts(loadYaml(ACCOUNTS.ours))]) {
      expect(facts.get('schema:CreateAccountRequest#required/customerId')).toBe('true');
      expect(facts.get('schema:CreateAccountRequest#properties/name/minLength')).toBe('3');
      expect(facts.get('schema:EventCorrectionInfo#properties/eventPayload/$ref')).toBe('"Event"');
      expect(facts.get('schema:EventCorrectionInfo#properties/status/enum/REVERTED_AND_REINGESTED')).toBe('true');
    }
  });
});

describe('keys of spec/DEVIATIONS.md by document', () => {
  it('go to the document their prefix names, and unprefixed ones to the credits document', () => {
    const deviation: Deviation = {
      id: 'D0',
      title: 't',
      reason: 'r',
      affects: ['schema:Credit#allOf', 'togai-accounts.yaml schema:Account#allOf'],
    };
    expect(forDocument([deviation], CREDITS)[0]!.affects).toEqual(['schema:Credit#allOf']);
    expect(forDocument([deviation], ACCOUNTS)[0]!.affects).toEqual(['schema:Account#allOf']);
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

describe('drift checker self-test, on a made-up pair of documents (test/fixtures/drift/)', () => {
  const upstream = () => loadYaml(SYNTHETIC.upstream);
  const ours = () => loadYaml(SYNTHETIC.ours);
  const deviations = () => loadDeviations(SYNTHETIC.deviations);

  it('finds exactly the listed differences, each excused, none stale', () => {
    const all = diffFacts(collectFacts(upstream()), collectFacts(ours())).map((diff) => diff.key);
    expect(all).toEqual(['body:POST /vouchers#required', 'schema:Voucher#allOf']);
    expect(unexcusedDifferences(upstream(), ours(), deviations())).toEqual([]);
    expect(staleExcuses(upstream(), ours(), deviations())).toEqual([]);
  });

  it('sees through upstream allOf, our JSON-pointer refs and shared parameters', () => {
    const facts = [collectFacts(upstream()), collectFacts(ours())];
    for (const fact of facts) {
      expect(fact.get('schema:Voucher#properties/ownerId/maxLength')).toBe('40');
      expect(fact.get('schema:Voucher#required/ownerId')).toBe('true');
      expect(fact.get('schema:Voucher#additionalProperties')).toBe('false');
      expect(fact.get('schema:Voucher#properties/status/enum/CANCELLED')).toBe('true');
      expect(fact.get('schema:VoucherPage#properties/data/items/$ref')).toBe('"Voucher"');
      expect(fact.get('param:GET /vouchers/{voucher_id}#path:voucher_id/schema/maxLength')).toBe('40');
      expect(fact.get('response:GET /vouchers#429/content/application/json/schema/$ref')).toBe('"ErrorResponse"');
    }
  });

  it('reports an excuse that names nothing differing, and a difference whose excuse is gone', () => {
    const [d1, d2] = deviations();
    const withTypo = [{ ...d1!, affects: ['schema:Voucher#allOff'] }, d2!];
    expect(staleExcuses(upstream(), ours(), withTypo)).toEqual(['D1: schema:Voucher#allOff']);
    expect(unexcusedDifferences(upstream(), ours(), withTypo).map((diff) => diff.key)).toEqual([
      'schema:Voucher#allOf',
    ]);
  });

  it('ignores prose and examples', () => {
    const changed = ours();
    objectAt(changed, 'components', 'schemas', 'VoucherRequest', 'properties', 'kind').description = 'Anything else.';
    objectAt(changed, 'paths', '/vouchers', 'get').summary = 'A summary upstream does not have.';
    objectAt(changed, 'components', 'schemas', 'ErrorResponse').example = { message: 'no' };
    expect(unexcusedDifferences(upstream(), changed, deviations())).toEqual([]);
  });

  const mutations: ReadonlyArray<{ name: string; key: string; mutate: (ours: unknown) => void }> = [
    {
      name: 'a removed enum value',
      key: 'schema:Voucher#properties/status/enum/CANCELLED',
      mutate: (doc) => {
        objectAt(doc, 'components', 'schemas', 'VoucherStatus').enum = ['OPEN', 'REDEEMED'];
      },
    },
    {
      name: 'a removed property',
      key: 'schema:VoucherPage#properties/nextToken',
      mutate: (doc) => {
        delete objectAt(doc, 'components', 'schemas', 'VoucherPage', 'properties').nextToken;
      },
    },
    {
      name: 'a changed maxLength',
      key: 'schema:ErrorResponse#properties/message/maxLength',
      mutate: (doc) => {
        objectAt(doc, 'components', 'schemas', 'ErrorResponse', 'properties', 'message').maxLength = 400;
      },
    },
    {
      name: 'a dropped required field',
      key: 'schema:VoucherRequest#required/amount',
      mutate: (doc) => {
        objectAt(doc, 'components', 'schemas', 'VoucherRequest').required = ['ownerId', 'kind'];
      },
    },
    {
      name: 'a removed response status',
      key: 'response:POST /vouchers#429',
      mutate: (doc) => {
        delete objectAt(doc, 'paths', '/vouchers', 'post', 'responses')['429'];
      },
    },
    {
      name: 'a changed parameter type',
      key: 'param:GET /vouchers#query:pageSize/schema/type',
      mutate: (doc) => {
        objectAt(doc, 'components', 'parameters', 'PageSize').schema = { type: 'string' };
      },
    },
    {
      name: 'a renamed operationId',
      key: 'operation:GET /vouchers#operationId',
      mutate: (doc) => {
        objectAt(doc, 'paths', '/vouchers', 'get').operationId = 'listVouchers';
      },
    },
  ];

  it.each(mutations)('reports $name by its key', ({ key, mutate }) => {
    const changed = ours();
    mutate(changed);
    expect(unexcusedDifferences(upstream(), changed, deviations()).map((diff) => diff.key)).toContain(key);
  });
});

describe('spec/togai-credits.yaml on its own', () => {
  it('is read through its shared parameters and pointer refs', () => {
    const facts = collectFacts(loadYaml(OURS_PATH));
    expect(facts.get('param:POST /credits/{credit_id}/void#path:credit_id/schema/maxLength')).toBe('50');
    expect(facts.get('schema:Credit#properties/accountId/type')).toBe('"string"');
  });
});
