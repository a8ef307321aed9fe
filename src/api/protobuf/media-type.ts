/** The Kubernetes protobuf content type (kept apart so naming it does not load the codec). */
export const PROTOBUF_MEDIA_TYPE = 'application/vnd.kubernetes.protobuf';
