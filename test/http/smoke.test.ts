import { beforeAll, describe, expect, it } from 'vitest';
import { creditRequest, startTestMock, type TestMock } from '../helpers/mock.js';

let mock: TestMock;
beforeAll(async () => {
  mock = await startTestMock();
});

describe('smoke', () => {
  it('grants a credit and lists it', async () => {
    mock.setTime('2024-06-01T00:00:00Z');
    const grant = await mock.call('POST', '/credits', { body: { creditRequests: [creditRequest()] } });
    expect(grant.status).toBe(200);
    const list = await mock.call('GET', '/credits');
    expect(list.body.data.map((c: any) => c.id)).toEqual([grant.body.credits[0].id]);
  });
});
