/**
 * `svg-ai worker`: consumes conversion jobs from Redis and traces them on this machine's worker
 * threads. Run any number of them, on any machine that reaches the same Redis. Each exposes
 * /metrics, /health and /ready on WORKER_METRICS_PORT for Prometheus.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Queue, Worker, type Job } from 'bullmq';
import type { Config } from './config/config.js';
import { AppError, isDeferral } from './errors/app-error.js';
import type { Logger } from './observability/logger.js';
import { recordConversion, recordConversionFailure, registry } from './observability/metrics.js';
import { inputFailure, JOB_NAME, QUEUE_NAME, type ConversionJobData, type ConversionJobResult } from './queue/conversion-jobs.js';
import { factsOf } from './queue/jobs.js';
import { startJobSweeper } from './queue/job-sweeper.js';
import { blockingClient, commandClient, queueClient, redisAlive } from './queue/redis.js';
import { TracePool } from './queue/thread-pool.js';
import { RedisInputStore, RedisResultCache } from './store/redis-stores.js';

export interface RunningWorker {
  metricsPort: number;
  /** Stops taking jobs; active ones get the grace period to finish, the rest are left to other workers. */
  shutdown(): Promise<void>;
}

export async function startWorker(config: Config, logger: Logger): Promise<RunningWorker> {
  if (!config.REDIS_URL) throw new Error('svg-ai worker needs REDIS_URL: it consumes the production queue');
  const prefix = config.REDIS_PREFIX;
  const redis = commandClient(config.REDIS_URL, logger, 'svgai-worker');
  const inputs = new RedisInputStore(redis, prefix, config.JOB_TTL_SECONDS);
  const results = new RedisResultCache(redis, prefix, config.CACHE_TTL_SECONDS);
  const pool = new TracePool(config);

  const processJob = async (job: Job<ConversionJobData, ConversionJobResult>): Promise<ConversionJobResult> => {
    if (job.name !== JOB_NAME) throw inputFailure(new AppError('INTERNAL', `Unknown job type ${job.name}.`));
    const input = await inputs.get(job.data.inputHash);
    if (!input) {
      throw inputFailure(new AppError('INVALID_IMAGE', 'The uploaded bytes expired before a worker could take the job; send the image again.'));
    }
    try {
      const result = await pool.convert(input, job.data.options, {
        onProgress: (progress) => void job.updateProgress({ ...progress }).catch(() => undefined),
      });
      await results.set(job.id!, result);
      recordConversion(result);
      return factsOf(result);
    } catch (err) {
      if (!isDeferral(err)) recordConversionFailure();
      // The input's fault: final. Anything else (a thread crash, Redis blip): BullMQ retries with backoff.
      if (err instanceof AppError && err.status < 500) throw inputFailure(err);
      throw err;
    }
  };

  const jobsConnection = blockingClient(config.REDIS_URL, logger, 'svgai-worker-jobs');
  const worker = new Worker<ConversionJobData, ConversionJobResult>(QUEUE_NAME, processJob, {
    connection: jobsConnection,
    prefix,
    concurrency: config.WORKER_CONCURRENCY,
    lockDuration: config.LOCK_DURATION_MS,
    // Check for stalled jobs as often as a lock can expire, so a dead worker's job moves on promptly.
    stalledInterval: config.LOCK_DURATION_MS,
    // A job whose worker died is taken over once; a second stall marks it failed, so a poison
    // image cannot crash-loop the fleet.
    maxStalledCount: 1,
  });
  worker.on('failed', (job, err) => logger.info({ job: job?.id, reason: err.message.slice(0, 200) }, 'job failed'));
  const sweepConnection = queueClient(config.REDIS_URL, logger, 'svgai-worker-sweep');
  const sweepQueue = new Queue(QUEUE_NAME, { connection: sweepConnection, prefix });
  sweepQueue.on('error', (err) => logger.debug({ err: err.message }, 'sweep queue error'));
  const sweeper = startJobSweeper(sweepQueue, config.JOB_TTL_SECONDS, logger);

  let closing = false;
  // When Redis answers a job fetch with an error (out of memory: every write script is refused),
  // BullMQ's main loop fetches again at once: the worker spun a CPU and logged thousands of lines
  // a second. After an error Redis replied with, fetching pauses for a second (active jobs go on),
  // and each distinct error is logged at most once every 10 s.
  const lastLogged = new Map<string, number>();
  let backingOff = false;
  worker.on('error', (err) => {
    const now = Date.now();
    if (now - (lastLogged.get(err.message) ?? 0) >= 10_000) {
      if (lastLogged.size > 100) lastLogged.clear();
      lastLogged.set(err.message, now);
      logger.warn({ err: err.message }, 'worker error');
    }
    if (err.name !== 'ReplyError' || backingOff || closing) return;
    backingOff = true;
    void worker
      .pause(true)
      .then(() => new Promise((resolve) => setTimeout(resolve, 1000)))
      .then(() => (closing ? undefined : worker.resume()))
      .catch(() => undefined)
      .finally(() => (backingOff = false));
  });
  const server = http.createServer(async (req, res) => {
    if (req.url === '/metrics') {
      res.setHeader('Content-Type', registry.contentType);
      res.end(await registry.metrics());
    } else if (req.url === '/health') {
      res.setHeader('Content-Type', 'application/json');
      res.end(JSON.stringify({ status: 'ok' }));
    } else if (req.url === '/ready') {
      // Not before every trace thread is warm: the first job would otherwise pay for a cold one.
      const ready = !closing && pool.ready && (await redisAlive(redis));
      res.statusCode = ready ? 200 : 503;
      res.setHeader('Content-Type', 'application/json');
      res.end(JSON.stringify({ status: ready ? 'ready' : 'not ready' }));
    } else {
      res.statusCode = 404;
      res.end();
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.WORKER_METRICS_PORT, config.HOST, resolve);
  });
  const metricsPort = (server.address() as AddressInfo).port;
  logger.info({ metricsPort, concurrency: config.WORKER_CONCURRENCY, threads: config.WORKER_THREADS }, 'svg-ai worker started');

  let stopping: Promise<void> | undefined;
  const shutdown = () =>
    (stopping ??= (async () => {
      closing = true;
      logger.info({ graceMs: config.SHUTDOWN_GRACE_MS }, 'worker shutting down');
      const grace = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), config.SHUTDOWN_GRACE_MS).unref());
      if ((await Promise.race([worker.close(), grace])) === 'timeout') {
        // worker.close(true) would only return the close() already under way, which waits for the
        // active jobs however long they take. Cut the jobs' connection instead: the interrupted
        // jobs cannot be moved, keep their lock until it expires, then another worker takes them over.
        logger.warn('grace period over: leaving active jobs to other workers');
        jobsConnection.disconnect();
      }
      sweeper.stop();
      await sweepQueue.close().catch(() => undefined);
      sweepConnection.disconnect();
      await pool.destroy();
      server.close();
      redis.disconnect();
      logger.info('worker stopped');
    })());
  return { metricsPort, shutdown };
}
