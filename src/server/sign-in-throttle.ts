/**
 * Sign-in throttling: attempts are counted per client address and over all addresses together, in
 * Redis so every web process shares the count (a per-process memory count takes over while Redis
 * is down). Every attempt counts before the token is checked, so a burst of parallel guesses cannot
 * slip past; a successful sign-in clears its address and gives its attempt back to the overall count.
 */
import type { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';

export interface ThrottleLimit {
  attempts: number;
  windowSeconds: number;
}

export interface SignInThrottleOptions {
  perAddress: ThrottleLimit;
  /** All addresses together: a guesser spread over many addresses still meets a wall. */
  overall: ThrottleLimit;
}

export const DEFAULT_SIGN_IN_LIMITS: SignInThrottleOptions = {
  perAddress: { attempts: 10, windowSeconds: 15 * 60 },
  overall: { attempts: 100, windowSeconds: 15 * 60 },
};

const OVERALL_KEY = 'all';

function limiter(redis: Redis, keyPrefix: string, limit: ThrottleLimit): RateLimiterRedis {
  return new RateLimiterRedis({
    storeClient: redis,
    keyPrefix,
    points: limit.attempts,
    duration: limit.windowSeconds,
    insuranceLimiter: new RateLimiterMemory({ points: limit.attempts, duration: limit.windowSeconds }),
  });
}

export class SignInThrottle {
  private readonly perAddress: RateLimiterRedis;
  private readonly overall: RateLimiterRedis;

  constructor(redis: Redis, keyPrefix: string, options: SignInThrottleOptions = DEFAULT_SIGN_IN_LIMITS) {
    this.perAddress = limiter(redis, `${keyPrefix}ip`, options.perAddress);
    this.overall = limiter(redis, `${keyPrefix}all`, options.overall);
  }

  /** Counts an attempt from `address`: null when it may go on, else the seconds to wait. */
  async attempt(address: string): Promise<number | null> {
    try {
      await this.perAddress.consume(address);
      await this.overall.consume(OVERALL_KEY);
      return null;
    } catch (err) {
      if (err instanceof RateLimiterRes) return Math.max(1, Math.ceil(err.msBeforeNext / 1000));
      throw err;
    }
  }

  async succeeded(address: string): Promise<void> {
    await Promise.all([this.perAddress.delete(address), this.overall.reward(OVERALL_KEY, 1)]);
  }
}
