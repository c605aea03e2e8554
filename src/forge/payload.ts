import { badInput, toError } from '../core/errors.js';

/**
 * The webhook payload from the body a forge sent: `application/json`, or a form whose `payload` field
 * holds the JSON (the webhook's "application/x-www-form-urlencoded" content type). Anything that is not
 * a JSON object is refused with a bad-input error saying why.
 */
export function decodePayload(body: string, contentType: string | undefined): Record<string, unknown> {
  if (body.trim() === '') throw badInput('empty body: expected a webhook payload');
  const type = (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  let json: string;
  if (type === 'application/json') json = body;
  else if (type === 'application/x-www-form-urlencoded') json = formPayload(body);
  else throw badInput(`unsupported content type "${type.slice(0, 100)}": send application/json or application/x-www-form-urlencoded`);
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (err) {
    throw badInput(`the payload is not valid JSON: ${toError(err).message.slice(0, 200)}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw badInput('the payload must be a JSON object');
  return value as Record<string, unknown>;
}

function formPayload(body: string): string {
  const payload = new URLSearchParams(body).get('payload');
  if (payload === null || payload === '') throw badInput('form body without a "payload" field');
  return payload;
}
