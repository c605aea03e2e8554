import type { BuildRecord, BuildStatus } from '../core/build.js';

/** Duration buckets in seconds: builds take seconds to tens of minutes. */
const BUCKETS = [5, 15, 30, 60, 120, 300, 600, 1800, 3600];

/** Build durations observed by this process, for the /metrics histogram. */
export class Metrics {
  private readonly counts = new Map<string, number[]>();
  private readonly sums = new Map<string, number>();

  observe(build: BuildRecord): void {
    if (build.durationMs === null) return;
    const seconds = build.durationMs / 1000;
    const counts = this.counts.get(build.status) ?? new Array<number>(BUCKETS.length + 1).fill(0);
    BUCKETS.forEach((b, i) => {
      if (seconds <= b) counts[i] = (counts[i] ?? 0) + 1;
    });
    counts[BUCKETS.length] = (counts[BUCKETS.length] ?? 0) + 1;
    this.counts.set(build.status, counts);
    this.sums.set(build.status, (this.sums.get(build.status) ?? 0) + seconds);
  }

  /** Prometheus text exposition. */
  render(byStatus: Record<BuildStatus, number>, running: number): string {
    const lines = [
      '# HELP roger_builds Builds stored, by status.',
      '# TYPE roger_builds gauge',
      ...Object.entries(byStatus).map(([s, n]) => `roger_builds{status="${s}"} ${n}`),
      '# HELP roger_queue_length Builds waiting to run.',
      '# TYPE roger_queue_length gauge',
      `roger_queue_length ${byStatus.queued}`,
      '# HELP roger_builds_running Builds running in this process.',
      '# TYPE roger_builds_running gauge',
      `roger_builds_running ${running}`,
      '# HELP roger_build_duration_seconds Build durations, by final status.',
      '# TYPE roger_build_duration_seconds histogram',
    ];
    for (const [status, counts] of this.counts) {
      BUCKETS.forEach((b, i) => lines.push(`roger_build_duration_seconds_bucket{status="${status}",le="${b}"} ${counts[i] ?? 0}`));
      const total = counts[BUCKETS.length] ?? 0;
      lines.push(`roger_build_duration_seconds_bucket{status="${status}",le="+Inf"} ${total}`);
      lines.push(`roger_build_duration_seconds_sum{status="${status}"} ${this.sums.get(status) ?? 0}`);
      lines.push(`roger_build_duration_seconds_count{status="${status}"} ${total}`);
    }
    return `${lines.join('\n')}\n`;
  }
}
