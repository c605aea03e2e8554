import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { maskSecrets } from '../../src/config/mask.js';
import { testConfig } from '../helpers/config.js';
import { harness, project, type Harness } from './harness.js';
import { startLocalSes, type LocalSes } from './local-ses.js';

const SMTP_PASSWORD = 'smtp-pass-8c2e4a6f';
const SES_KEY = 'AKIAEXAMPLEKEY123456';
const SES_SECRET = 'ses-secret-5b7d9f1h3j';

const portOf = (s: { address(): AddressInfo | string | null }): number => (s.address() as AddressInfo).port;

/** SMTP through a real smtp-server; SES through aws-ses-v2-local, both on 127.0.0.1. */
describe('email notifications', () => {
  let smtp: SMTPServer;
  const mails: ParsedMail[] = [];
  const logins: string[] = [];
  let ses: LocalSes;
  let sesUrl: string;
  /** Answers every SES call with `sesAnswer` (an SES error document). */
  let sesDown: Server;
  let sesAnswer = 400;
  let sesCalls = 0;

  beforeAll(async () => {
    smtp = new SMTPServer({
      disabledCommands: ['STARTTLS'],
      authOptional: true,
      onAuth(auth, _session, cb) {
        logins.push(`${auth.username}:${auth.password}`);
        cb(null, { user: auth.username });
      },
      onRcptTo(address, _session, cb) {
        if (address.address.startsWith('nobody@')) return cb(Object.assign(new Error('5.1.1 no such user here'), { responseCode: 550 }));
        cb();
      },
      onData(stream, _session, cb) {
        simpleParser(stream).then(
          (mail) => {
            mails.push(mail);
            cb();
          },
          (err: Error) => cb(err),
        );
      },
    });
    await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
    ses = await startLocalSes();
    sesUrl = ses.url;
    sesDown = createServer((req, res) => {
      sesCalls++;
      req.resume();
      req.on('end', () => {
        // SES v2 names the error in a header, the message in a JSON body.
        res.writeHead(sesAnswer, { 'content-type': 'application/json', 'x-amzn-errortype': sesAnswer === 400 ? 'MessageRejected' : 'InternalFailure' });
        res.end(
          JSON.stringify({ message: 'Email address is not verified. The following identities failed the check: roger@example.com' }),
        );
      });
    });
    await new Promise<void>((resolve) => sesDown.listen(0, '127.0.0.1', resolve));
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => smtp?.close(() => resolve()));
    ses?.close();
    sesDown?.closeAllConnections();
    sesDown?.close();
  });
  beforeEach(async () => {
    mails.length = 0;
    logins.length = 0;
    sesCalls = 0;
    await ses.clear();
  });

  const smtpConfig = (to: string) =>
    testConfig(
      `app:\n  url: http://roger.test:8080\nnotifications:\n  email:\n    host: 127.0.0.1\n    port: ${portOf(smtp.server)}\n    secure: false\n    username: roger\n    password: ${SMTP_PASSWORD}\n    from: roger@example.com\n    to: ${to}\n    timeout: 2\n    attempts: 3\n`,
    ).config;
  const sesConfig = (to: string, endpoint: string | undefined) =>
    testConfig(
      `app:\n  url: http://roger.test:8080\nnotifications:\n  emailSes:\n    accessKey: ${SES_KEY}\n    secret: ${SES_SECRET}\n    region: eu-west-1\n${endpoint ? `    endpoint: ${endpoint}\n` : ''}    from: roger@example.com\n    to: ${to}\n    timeout: 2\n    attempts: 3\n`,
    ).config;

  const notify = async (h: Harness, names: string[], over: Parameters<Harness['stored']>[0] = {}) => {
    const build = await h.stored({ status: 'failed', error: 'after-build "make test" exited with 2', author: 'Ada Lovelace <ada@example.com>', ...over });
    await h.notifications.finished?.({ build, project: project(names), checkedOut: 'c'.repeat(40) });
    await h.notifications.idle();
    const attempts = await h.store.listNotifications(build.id);
    const log = await h.log(build.groupId);
    await h.close();
    return { build, attempts, log };
  };

  const sesInbox = () => ses.inbox();

  it("mails Roger's subject and body over SMTP, logging in, to the list and the committer", async () => {
    const { build, attempts, log } = await notify(await harness(smtpConfig('[team@example.com, committer]')), ['email']);
    expect(mails).toHaveLength(1);
    const mail = mails[0]!;
    expect(mail.subject).toBe('[app:master] BUILD FAILED: after-build "make test" exited with 2');
    expect(mail.text?.trim()).toBe(`You can check the build output at http://roger.test:8080/builds/${build.id}`);
    expect(mail.from?.text).toBe('roger@example.com');
    expect((Array.isArray(mail.to) ? mail.to : [mail.to]).flatMap((t) => t?.value.map((v) => v.address))).toEqual(['team@example.com', 'ada@example.com']);
    expect(logins).toEqual([`roger:${SMTP_PASSWORD}`]);
    expect(attempts.map((a) => [a.notifier, a.attempt, a.ok])).toEqual([['email', 1, true]]);
    expect(log).toContain('Notified email (app failed): mailed 2 recipient(s) over SMTP');
    expect(log + JSON.stringify(attempts) + JSON.stringify(maskSecrets(smtpConfig('x@example.com')))).not.toContain(SMTP_PASSWORD);
  });

  it('an SMTP server refusing the recipient: one attempt, recorded as refused, not retried', async () => {
    const { attempts, log } = await notify(await harness(smtpConfig('nobody@example.com')), ['email']);
    expect(mails).toEqual([]);
    expect(attempts).toHaveLength(1);
    expect(attempts[0]).toMatchObject({ ok: false, attempt: 1 });
    expect(attempts[0]?.detail).toMatch(/550|no such user/);
    expect(log).toMatch(/Notification email \(app failed\) failed after 1 attempt\(s\)/);
  });

  it('to: committer when the author has no email: dropped with a line, nothing sent', async () => {
    const { attempts, log } = await notify(await harness(smtpConfig('committer')), ['email'], { author: 'ada' });
    expect(mails).toEqual([]);
    expect(attempts.map((a) => [a.ok, a.detail])).toEqual([[false, 'no recipients (committer dropped: the commit author "ada" has no email)']]);
    expect(log).toContain('committer dropped');
  });

  it("sends through SES with Roger's subject, the committer resolved", async () => {
    const { build, attempts, log } = await notify(await harness(sesConfig('[someone@example.com, committer]', sesUrl)), ['emailSes'], { status: 'passed', error: null });
    const inbox = await sesInbox();
    expect(inbox).toHaveLength(1);
    expect(inbox[0]).toMatchObject({
      from: 'roger@example.com',
      destination: { to: ['someone@example.com', 'ada@example.com'] },
      subject: '[app:master] BUILD PASSED',
      body: { text: `You can check the build output at http://roger.test:8080/builds/${build.id}` },
    });
    expect(attempts.map((a) => [a.notifier, a.ok])).toEqual([['emailSes', true]]);
    expect(log).toContain('Notified emailSes (app passed): sent through SES to 2 recipient(s)');
    expect(JSON.stringify(maskSecrets(sesConfig('x@example.com', sesUrl)))).not.toMatch(new RegExp(`${SES_KEY}|${SES_SECRET}`));
  });

  it('without an endpoint key, the SDK convention AWS_ENDPOINT_URL finds the local SES', async () => {
    process.env.AWS_ENDPOINT_URL = sesUrl;
    try {
      await notify(await harness(sesConfig('someone@example.com', undefined)), ['emailSes']);
    } finally {
      delete process.env.AWS_ENDPOINT_URL;
    }
    expect((await sesInbox()).map((e) => e.destination.to)).toEqual([['someone@example.com']]);
  });

  it('to: committer when the author has no email: the others still get it, with a line saying so', async () => {
    const { attempts, log } = await notify(await harness(sesConfig('[someone@example.com, committer]', sesUrl)), ['emailSes'], { author: null });
    expect((await sesInbox()).map((e) => e.destination.to)).toEqual([['someone@example.com']]);
    expect(attempts[0]?.ok).toBe(true);
    expect(log).toMatch(/sent through SES to 1 recipient\(s\).*committer dropped/);
  });

  it('SES answering an error: a 400 refusal is recorded once; a 500 is retried, then given up', async () => {
    sesAnswer = 400;
    const refused = await notify(await harness(sesConfig('someone@example.com', `http://127.0.0.1:${portOf(sesDown)}`)), ['emailSes']);
    expect(sesCalls).toBe(1);
    expect(refused.attempts.map((a) => a.ok)).toEqual([false]);
    expect(refused.attempts[0]?.detail).toMatch(/SES answered 400 MessageRejected: Email address is not verified/);
    expect(refused.log).toMatch(/Notification emailSes \(app failed\) failed after 1 attempt\(s\): SES answered 400/);
    sesCalls = 0;
    sesAnswer = 500;
    const down = await notify(await harness(sesConfig('someone@example.com', `http://127.0.0.1:${portOf(sesDown)}`)), ['emailSes']);
    expect(sesCalls).toBe(3);
    expect(down.attempts.map((a) => a.ok)).toEqual([false, false, false]);
    expect(down.log + JSON.stringify(down.attempts)).not.toMatch(new RegExp(`${SES_KEY}|${SES_SECRET}`));
  });
});
