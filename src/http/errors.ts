import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { isRogerError, type ErrorKind } from '../core/errors.js';

const STATUS: Record<ErrorKind, number> = {
  'bad-input': 400,
  unauthorized: 401,
  'not-found': 404,
  canceled: 409,
  'build-failed': 422,
  system: 503,
};

/** The one place errors become HTTP answers: always JSON with a message, never a stack trace. */
export function errorHandler(err: FastifyError | Error, req: FastifyRequest, reply: FastifyReply): void {
  if (isRogerError(err)) {
    // Our side failing (database, engine) is worth an operator's attention; bad input is not.
    if (err.kind === 'system') req.log.error({ err }, 'request failed');
    void reply.code(STATUS[err.kind]).send({ message: err.message });
    return;
  }
  const status = 'statusCode' in err && typeof err.statusCode === 'number' ? err.statusCode : 500;
  if (status >= 500) req.log.error({ err }, 'request failed');
  const message = status === 413 ? 'request body too large' : status >= 500 ? 'internal error' : err.message;
  void reply.code(status).send({ message });
}
