import { sign } from '@octokit/webhooks-methods';
import { describe, expect, it } from 'vitest';
import { isRogerError } from '../../src/core/errors.js';
import { decodePayload } from '../../src/forge/payload.js';
import { checkSignature } from '../../src/forge/github/verify.js';
import { pushToMaster } from './fixtures.js';

const SECRET = 'test-webhook-secret';

async function refusal(p: Promise<unknown>): Promise<string> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isRogerError(err, 'unauthorized')).toBe(true);
  return (err as Error).message;
}

describe('checkSignature', () => {
  const body = JSON.stringify(pushToMaster());

  it('accepts the signature GitHub computes over the body', async () => {
    await expect(checkSignature(SECRET, body, await sign(SECRET, body))).resolves.toBeUndefined();
  });

  it('refuses an unsigned payload', async () => {
    expect(await refusal(checkSignature(SECRET, body, undefined))).toMatch(/missing X-Hub-Signature-256/);
    expect(await refusal(checkSignature(SECRET, body, ''))).toMatch(/missing/);
  });

  it('refuses a signature made with another secret', async () => {
    expect(await refusal(checkSignature(SECRET, body, await sign('not-the-secret', body)))).toMatch(/does not match/);
  });

  it('refuses a valid signature over a different body', async () => {
    const other = body.replace('refs/heads/master', 'refs/heads/evil');
    expect(await refusal(checkSignature(SECRET, other, await sign(SECRET, body)))).toMatch(/does not match/);
  });

  it('refuses malformed headers: sha1 only, wrong length, upper case, several values', async () => {
    const good = await sign(SECRET, body);
    for (const header of ['sha1=0123456789abcdef0123456789abcdef01234567', good.slice(0, -2), good.toUpperCase(), [good, good]]) {
      expect(await refusal(checkSignature(SECRET, body, header))).toMatch(/malformed/);
    }
  });

  it('refuses an empty body whatever the header says', async () => {
    expect(await refusal(checkSignature(SECRET, '', `sha256=${'0'.repeat(64)}`))).toMatch(/does not match/);
  });
});

describe('decodePayload', () => {
  const payload = pushToMaster();
  const json = JSON.stringify(payload);

  it('reads application/json (with a charset) and form bodies with a payload field', () => {
    expect(decodePayload(json, 'application/json; charset=utf-8')).toEqual(payload);
    expect(decodePayload(new URLSearchParams({ payload: json }).toString(), 'application/x-www-form-urlencoded')).toEqual(payload);
  });

  it.each([
    ['an empty body', '', 'application/json', /empty body/],
    ['whitespace', '  \n', 'application/json', /empty body/],
    ['non-JSON', 'hello=world&x', 'application/json', /not valid JSON/],
    ['a JSON array', '[1,2]', 'application/json', /JSON object/],
    ['a JSON string', '"push"', 'application/json', /JSON object/],
    ['null', 'null', 'application/json', /JSON object/],
    ['a form without payload', 'foo=bar', 'application/x-www-form-urlencoded', /without a "payload"/],
    ['a form with non-JSON payload', 'payload=%7Bnope', 'application/x-www-form-urlencoded', /not valid JSON/],
    ['text/plain', json, 'text/plain', /unsupported content type/],
    ['no content type', json, undefined, /unsupported content type/],
  ])('refuses %s with a bad-input error', (_name, body, type, message) => {
    let err: unknown;
    try {
      decodePayload(body, type);
    } catch (e) {
      err = e;
    }
    expect(isRogerError(err, 'bad-input')).toBe(true);
    expect((err as Error).message).toMatch(message);
  });
});
