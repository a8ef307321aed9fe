import type { SchemaPackage } from '../schema.js';

/**
 * storage.k8s.io/v1 wire schema: StorageClass, VolumeAttachment, CSIDriver, CSINode and
 * CSIStorageCapacity. Field numbers and types are transcribed from the upstream API
 * definitions; JSON names and pointer-ness (`*`) from the Go types.
 */
export const storageV1: SchemaPackage = {
  package: 'storage',
  apiVersion: 'v1',
  kinds: {
    StorageClass: 'StorageClass',
    StorageClassList: 'StorageClassList',
    VolumeAttachment: 'VolumeAttachment',
    VolumeAttachmentList: 'VolumeAttachmentList',
    CSIDriver: 'CSIDriver',
    CSIDriverList: 'CSIDriverList',
    CSINode: 'CSINode',
    CSINodeList: 'CSINodeList',
    CSIStorageCapacity: 'CSIStorageCapacity',
    CSIStorageCapacityList: 'CSIStorageCapacityList',
  },
  messages: {
    StorageClass: `1 metadata meta.ObjectMeta; 2 provisioner *string; 3 parameters map<string,string>;
      4 reclaimPolicy *string; 5 mountOptions []string; 6 allowVolumeExpansion *bool;
      7 volumeBindingMode *string; 8 allowedTopologies []core.TopologySelectorTerm`,
    StorageClassList: '1 metadata meta.ListMeta; 2 items []StorageClass',

    VolumeAttachment: '1 metadata meta.ObjectMeta; 2 spec VolumeAttachmentSpec; 3 status VolumeAttachmentStatus',
    VolumeAttachmentList: '1 metadata meta.ListMeta; 2 items []VolumeAttachment',
    VolumeAttachmentSpec: '1 attacher *string; 2 source VolumeAttachmentSource; 3 nodeName *string',
    VolumeAttachmentSource: '1 persistentVolumeName *string; 2 inlineVolumeSpec core.PersistentVolumeSpec',
    VolumeAttachmentStatus: `1 attached *bool; 2 attachmentMetadata map<string,string>; 3 attachError VolumeError;
      4 detachError VolumeError`,
    VolumeError: '1 time Time; 2 message string; 3 errorCode *int32',

    CSIDriver: '1 metadata meta.ObjectMeta; 2 spec CSIDriverSpec',
    CSIDriverList: '1 metadata meta.ListMeta; 2 items []CSIDriver',
    CSIDriverSpec: `1 attachRequired *bool; 2 podInfoOnMount *bool; 3 volumeLifecycleModes []string;
      4 storageCapacity *bool; 5 fsGroupPolicy *string; 6 tokenRequests []TokenRequest;
      7 requiresRepublish *bool; 8 seLinuxMount *bool; 9 nodeAllocatableUpdatePeriodSeconds *int64;
      10 serviceAccountTokenInSecrets *bool`,
    TokenRequest: '1 audience *string; 2 expirationSeconds *int64',

    CSINode: '1 metadata meta.ObjectMeta; 2 spec CSINodeSpec',
    CSINodeList: '1 metadata meta.ListMeta; 2 items []CSINode',
    CSINodeSpec: '1 drivers []CSINodeDriver',
    CSINodeDriver: '1 name *string; 2 nodeID *string; 3 topologyKeys []string; 4 allocatable VolumeNodeResources',
    VolumeNodeResources: '1 count *int32',

    CSIStorageCapacity: `1 metadata meta.ObjectMeta; 2 nodeTopology meta.LabelSelector; 3 storageClassName *string;
      4 capacity Quantity; 5 maximumVolumeSize Quantity`,
    CSIStorageCapacityList: '1 metadata meta.ListMeta; 2 items []CSIStorageCapacity',
  },
};
