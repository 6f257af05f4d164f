// Where the layer's decoy files are, relative to its root (/opt on Lambda):
// apart from their contents (files.ts), so that the preload, which watches
// reads of them, carries only these strings.
export const DECOY_FILE_PATHS = ['.aws/credentials', 'config/.env'] as const;
