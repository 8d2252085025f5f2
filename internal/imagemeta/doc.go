// Package imagemeta strips metadata (EXIF with GPS, XMP, IPTC, comments,
// text chunks, timestamps) from JPEG, PNG, WebP and GIF files before they are
// sealed. It walks the container's segments or chunks and drops the ones
// that carry metadata; it never decodes or re-encodes pixels, so the image
// is byte for byte what the camera wrote, less its metadata. What a
// walker keeps is a list of known, harmless parts (colour profiles,
// transparency, animation); anything else, and anything after the end of
// the image, is dropped. A file whose structure cannot be walked is an
// error: its metadata could not be found, so it is not kept.
package imagemeta
