/**
 * The storage controllers, for the controller manager to start: the PersistentVolume
 * binder, the PVC and PV protection controllers and the built-in local-path provisioner.
 */
export { startPersistentVolumeBinderController, DEFAULT_BINDER_RESYNC_MS, type PersistentVolumeBinderOptions } from './pv-binder-controller.js';
export { startPvcProtectionController, type PvcProtectionOptions } from './pvc-protection-controller.js';
export { startPvProtectionController, type PvProtectionOptions } from './pv-protection-controller.js';
export { startLocalPathProvisioner, type LocalPathProvisionerOptions } from './local-path/local-path-provisioner.js';
export { DEFAULT_LOCAL_PATH_BASE_DIR, LOCAL_PATH_PROVISIONER, LOCAL_PATH_STORAGE_CLASS } from './local-path/local-path.js';
export * from './volume-util.js';
