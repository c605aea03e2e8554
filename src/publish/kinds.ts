import type { PublisherKind } from '../core/publisher.js';
import { s3Publisher } from './s3.js';

/** Every publisher Roger has; a new one is one file and one line here. */
export const builtinPublishers: readonly PublisherKind[] = [s3Publisher];
