export * from './pt.js';
export * from './ioctl.js';
