/**
 * The scheduler's Prometheus metrics, under upstream's names: attempts by result,
 * attempts per scheduled pod, end-to-end scheduling duration, and pending pods per
 * queue. Each scheduler has its own registry so several can run in one process.
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

export type AttemptResult = 'scheduled' | 'unschedulable' | 'error';

export class SchedulerMetrics {
  readonly registry = new Registry();
  readonly attempts: Counter<'result' | 'profile'>;
  readonly podAttempts: Histogram;
  readonly podDuration: Histogram<'attempts'>;
  readonly attemptDuration: Histogram<'result' | 'profile'>;

  constructor(pending: () => Record<string, number>) {
    const registers = [this.registry];
    this.attempts = new Counter({ name: 'scheduler_schedule_attempts_total', help: 'Number of attempts to schedule pods, by the result.', labelNames: ['result', 'profile'], registers });
    this.podAttempts = new Histogram({ name: 'scheduler_pod_scheduling_attempts', help: 'Number of attempts to successfully schedule a pod.', buckets: [1, 2, 4, 8, 16], registers });
    this.podDuration = new Histogram({
      name: 'scheduler_pod_scheduling_duration_seconds',
      help: 'E2e latency for a pod being scheduled, from entering the queue to binding.',
      labelNames: ['attempts'],
      buckets: [0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92, 163.84, 327.68, 655.36],
      registers,
    });
    this.attemptDuration = new Histogram({
      name: 'scheduler_scheduling_attempt_duration_seconds',
      help: 'Scheduling attempt latency (scheduling algorithm + binding).',
      labelNames: ['result', 'profile'],
      buckets: [0.001, 0.002, 0.004, 0.008, 0.016, 0.032, 0.064, 0.128, 0.256, 0.512, 1.024],
      registers,
    });
    new Gauge({
      name: 'scheduler_pending_pods',
      help: "Number of pending pods, by the queue type: 'active', 'backoff', 'unschedulable', 'gated'.",
      labelNames: ['queue'],
      registers,
      collect() {
        for (const [queue, n] of Object.entries(pending())) this.set({ queue }, n);
      },
    });
  }
}
