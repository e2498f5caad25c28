// Each command answers its own result type (CommandResults): what execute
// resolves with is typed from the command given, with or without a render,
// and through a request's view of the engine too. The type assertions are
// checked by the test type check (npm run typecheck); the values at run time.

import { describe, expect, expectTypeOf, it } from 'vitest';
import type { Credit } from '../../src/spec/types.js';
import type { FaultRule } from '../../src/store/machine/fault-rules.js';
import type { CommandResults, CommandType, StartupResult } from '../../src/store/machine/commands.js';
import { engineOn, grantOf } from './engine-support.js';

describe('command results', () => {
  it('names exactly the command types', () => {
    expectTypeOf<keyof CommandResults>().toEqualTypeOf<CommandType>();
  });

  it('answers each command with its own result type', async () => {
    const engine = engineOn();
    await engine.start();

    const credits = await engine.execute(grantOf('shared', 'ACC-1'));
    expectTypeOf(credits).toEqualTypeOf<Credit[]>();
    expect(credits.map((c) => c.accountId)).toEqual(['ACC-1']);
    // @ts-expect-error a grant answers its credits, not one credit
    expect(credits.accountId).toBeUndefined();

    const voiding = { type: 'void' as const, tenant: 'shared', creditId: credits[0]!.id! };
    const voided = await engine.execute(voiding, (credit) => credit.status);
    expectTypeOf(voided).toEqualTypeOf<Credit['status']>();
    expect(voided).toBe('VOIDED');

    const limit = await engine.execute({ type: 'rateLimitSet', limit: 7 });
    expectTypeOf(limit).toEqualTypeOf<number>();
    expect(limit).toBe(7);

    const target = { method: 'GET', path: '/credits', operationId: 'listCredits', template: '/credits' };
    const access = engine.forRequest();
    const fired = await access.execute({ type: 'faultFire', tenant: 'shared', target });
    expectTypeOf(fired).toEqualTypeOf<FaultRule | undefined>();
    expect(fired).toBeUndefined();

    const started = await engine.execute({ type: 'startup' });
    expectTypeOf(started).toEqualTypeOf<StartupResult>();
    expect(started).toEqual({ applied: false });

    const cleared = await engine.execute({ type: 'faultClear' });
    expectTypeOf(cleared).toEqualTypeOf<void>();
  });
});
