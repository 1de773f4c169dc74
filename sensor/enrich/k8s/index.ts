// Kubernetes pod metadata by container ID: the public surface of this folder.
export { PodCache, POD_CACHE_DEFAULTS } from './pods';
export type { PodCacheOptions } from './pods';
export type { ContainerKind, ContainerSecurity, PodCacheStats, PodContainerInfo, PodInfo } from './types';
export { containerKey, parseContainerId } from './extract';
export { DEFAULT_BACKOFF } from './backoff';
export type { BackoffOptions } from './backoff';
