// Package blobtest serves a real S3 API on loopback for tests: gofakes3
// with its in-memory backend, behind net/http on 127.0.0.1. Tests of the
// S3 blob store and of a ward server with --blobs s3://… talk to it over
// HTTP, as ward talks to MinIO or Amazon S3.
package blobtest
