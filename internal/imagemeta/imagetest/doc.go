// Package imagetest builds real JPEG, PNG and WebP files that carry
// metadata (EXIF with GPS tags, XMP, comments, text chunks) holding a
// canary string, for the tests of metadata stripping.
package imagetest
