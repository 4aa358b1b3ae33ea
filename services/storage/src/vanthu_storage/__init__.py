"""Storage service: content-addressed document files on a local directory or S3."""
