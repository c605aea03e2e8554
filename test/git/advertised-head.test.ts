import { describe, expect, it } from 'vitest';
import { AdvertisedHead } from '../../src/git/advertised-head.js';

const OID = 'e9f2a0a900c274d28318f6771131b12354c2b058';

function read(lines: string[]): string | undefined {
  const head = new AdvertisedHead();
  lines.forEach(head.line);
  return head.branch;
}

describe('the default branch read from a fetch\'s packet trace', () => {
  it('reads protocol v2 ls-refs answers, as fetch and a local upload-pack trace them', () => {
    expect(read([
      '23:28:16.496734 pkt-line.c:80           packet:        fetch> symrefs',
      `23:28:16.497610 pkt-line.c:80           packet:        fetch< ${OID} HEAD symref-target:refs/heads/trunk`,
    ])).toBe('trunk');
    expect(read([`23:28:16.497329 pkt-line.c:80           packet:  upload-pack> ${OID} HEAD symref-target:refs/heads/feature/x`])).toBe('feature/x');
  });

  it('reads the v0 capabilities of HEAD\'s line', () => {
    const caps = 'multi_ack thin-pack side-band side-band-64k ofs-delta shallow deepen-since deepen-not deepen-relative no-progress include-tag multi_ack_detailed symref=HEAD:refs/heads/main object-format=sha1 agent=git/2.39.5';
    expect(read([`23:28:16.497610 pkt-line.c:80           packet:          git< ${OID} HEAD\\0${caps}`])).toBe('main');
  });

  it('decodes a name git traced byte by byte in octal', () => {
    // "fö1": ö is 0xc3 0xb6, each traced as a sign-extended char.
    expect(read([`packet:        fetch< ${OID} HEAD symref-target:refs/heads/f\\37777777703\\377777776661`])).toBe('fö1');
  });

  it('says nothing for a HEAD that is no branch, a request, or a name git would refuse', () => {
    expect(read([`packet:        fetch< ${OID} HEAD`])).toBeUndefined();
    expect(read([`packet:        fetch> ${OID} HEAD symref-target:refs/heads/main`])).toBeUndefined();
    expect(read([`packet:        fetch< ${OID} HEAD symref-target:refs/tags/v1`])).toBeUndefined();
    expect(read([`packet:        fetch< ${OID} HEAD symref-target:refs/heads/-x`])).toBeUndefined();
    expect(read([`packet:        fetch< ${OID} refs/heads/main`])).toBeUndefined();
  });
});
