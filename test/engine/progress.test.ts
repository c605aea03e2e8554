import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { LineSink, MAX_LINE, OutputBudget } from '../../src/engine/output.js';
import { ProgressSummary, digestOf, parseMessage, readMessages, type EngineMessage } from '../../src/engine/progress.js';
import { memoryLog } from './helpers.js';

describe('parseMessage', () => {
  it('narrows the fields Roger uses and ignores the rest', () => {
    expect(parseMessage('{"stream":"Step 1/2 : FROM x","other":1}')).toEqual({ stream: 'Step 1/2 : FROM x' });
    expect(parseMessage('{"status":"Pushing","id":"abc","progressDetail":{"current":1}}')).toEqual({ status: 'Pushing', id: 'abc' });
    expect(parseMessage('{"aux":{"ID":"sha256:1"}}')).toEqual({ aux: { ID: 'sha256:1' } });
    expect(parseMessage('{"errorDetail":{"message":"long text"},"error":"short"}')).toEqual({ error: 'long text' });
    expect(parseMessage('{"error":"only this"}')).toEqual({ error: 'only this' });
    expect(parseMessage('{"stream":42,"id":null}')).toEqual({});
  });

  it('returns undefined for what is not a JSON object', () => {
    expect(parseMessage('not json')).toBeUndefined();
    expect(parseMessage('[1,2]')).toBeUndefined();
    expect(parseMessage('"text"')).toBeUndefined();
  });
});

describe('readMessages', () => {
  it('splits JSON lines across chunk boundaries and skips garbage', async () => {
    const chunks = ['{"stream":"a"}\n{"str', 'eam":"b"}\r\n\n', 'garbage\n', '{"stream":"c"}'];
    const seen: EngineMessage[] = [];
    await readMessages(Readable.from(chunks.map((c) => Buffer.from(c))), (m) => seen.push(m));
    expect(seen).toEqual([{ stream: 'a' }, { stream: 'b' }, { stream: 'c' }]);
  });

  it('rejects when the stream fails', async () => {
    const failing = new Readable({
      read() {
        this.destroy(new Error('socket hang up'));
      },
    });
    await expect(readMessages(failing, () => undefined)).rejects.toThrow('socket hang up');
  });
});

describe('ProgressSummary', () => {
  it('logs one line per layer state change, not per progress update', () => {
    const log = memoryLog();
    const summary = new ProgressSummary(log);
    summary.handle({ status: 'The push refers to repository [r/app]' });
    for (const id of ['aaa', 'bbb']) summary.handle({ status: 'Preparing', id });
    summary.handle({ status: 'Waiting', id: 'bbb' });
    for (let i = 0; i < 1000; i++) summary.handle({ status: 'Pushing', id: 'aaa' });
    summary.handle({ status: 'Layer already exists', id: 'bbb' });
    summary.handle({ status: 'Pushed', id: 'aaa' });
    summary.handle({ status: 'latest: digest: sha256:' + 'a'.repeat(64) + ' size: 1' });
    summary.handle({ stream: 'not a status' });
    expect(log.lines).toEqual([
      'The push refers to repository [r/app]',
      'aaa: Pushing',
      'bbb: Layer already exists',
      'aaa: Pushed',
      `latest: digest: sha256:${'a'.repeat(64)} size: 1`,
    ]);
  });
});

describe('digestOf', () => {
  it('reads the aux digest or the status line', () => {
    const digest = `sha256:${'b'.repeat(64)}`;
    expect(digestOf({ aux: { Digest: digest } })).toBe(digest);
    expect(digestOf({ status: `v1: digest: ${digest} size: 528` })).toBe(digest);
    expect(digestOf({ status: 'Pushed', id: 'x' })).toBeUndefined();
  });
});

describe('LineSink', () => {
  it('buffers partial lines, strips CR, skips blank lines and decodes split UTF-8', () => {
    const log = memoryLog();
    const sink = new LineSink(log, new OutputBudget(log));
    const euro = Buffer.from('€');
    sink.push(Buffer.from('one\r\ntw'));
    sink.push(Buffer.concat([Buffer.from('o '), euro.subarray(0, 1)]));
    sink.push(Buffer.concat([euro.subarray(1), Buffer.from('\n\n\nlast')]));
    expect(log.lines).toEqual(['one', 'two €']);
    sink.flush();
    expect(log.lines).toEqual(['one', 'two €', 'last']);
  });

  it('cuts lines longer than the maximum', () => {
    const log = memoryLog();
    const sink = new LineSink(log, new OutputBudget(log));
    sink.push('x'.repeat(MAX_LINE * 2 + 10));
    sink.flush();
    expect(log.lines.map((l) => l.length)).toEqual([MAX_LINE, MAX_LINE, 10]);
  });

  it('stops logging at the budget, says so once, and a reset starts afresh', () => {
    const log = memoryLog();
    const budget = new OutputBudget(log, 100);
    const sink = new LineSink(log, budget);
    for (let i = 0; i < 50; i++) sink.push(`line ${i}\n`);
    const truncated = log.lines.filter((l) => l.startsWith('output truncated'));
    expect(truncated).toHaveLength(1);
    expect(log.lines.length).toBeLessThan(20);
    budget.reset();
    sink.push('after reset\n');
    expect(log.lines.at(-1)).toBe('after reset');
  });

  it('charges a parent budget too, which a reset does not refill: one truncation line, then nothing', () => {
    const log = memoryLog();
    const total = new OutputBudget(log, { limit: 100, scope: 'for the whole build' });
    const step = new OutputBudget(log, { limit: 60, parent: total, scope: 'in this step' });
    const sink = new LineSink(log, step, (line) => {
      if (line.startsWith('Step ')) step.reset();
    });
    // 10 bytes a line: each "step" of 5 lines fits its budget, the whole does not fit the total.
    for (let i = 0; i < 5; i++) {
      sink.push('Step 1/1 :\n');
      for (let j = 0; j < 4; j++) sink.push(`line ${i}.${j}\n`);
    }
    expect(log.lines).toEqual([
      'Step 1/1 :',
      'line 0.0',
      'line 0.1',
      'line 0.2',
      'line 0.3',
      'Step 1/1 :',
      'line 1.0',
      'line 1.1',
      'line 1.2',
      'line 1.3',
      'output truncated: more than 100 bytes for the whole build, the rest is not logged',
    ]);
  });
});
