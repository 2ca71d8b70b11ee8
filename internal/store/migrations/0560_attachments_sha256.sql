-- media.sweep asks, per stored file, whether any attachment still names its content hash.
CREATE INDEX attachments_sha256 ON attachments(sha256);
