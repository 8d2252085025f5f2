package imagemeta

import (
	"bytes"
	"encoding/binary"
	"errors"
)

// ErrMalformed is returned for a file whose container cannot be walked.
var ErrMalformed = errors.New("imagemeta: the image's structure is damaged")

// Strippable reports whether Strip handles the media type.
func Strippable(mediaType string) bool {
	switch mediaType {
	case "image/jpeg", "image/png", "image/webp", "image/gif":
		return true
	}
	return false
}

// Strip returns b, of the given media type, without its metadata. b is not
// modified. A media type Strip does not handle is returned as is.
func Strip(mediaType string, b []byte) ([]byte, error) {
	switch mediaType {
	case "image/jpeg":
		return StripJPEG(b)
	case "image/png":
		return StripPNG(b)
	case "image/webp":
		return StripWebP(b)
	case "image/gif":
		return StripGIF(b)
	}
	return b, nil
}

// StripJPEG drops APP1 (EXIF, GPS, XMP), APP13 (IPTC), COM and the other
// vendor APPn segments (APP3-APP12, APP15), and APP2 segments other than an
// ICC profile; it keeps APP0 (JFIF), APP2 ICC_PROFILE and APP14 (Adobe
// colour transform). Segments between scans are walked too; bytes after EOI
// are dropped.
func StripJPEG(b []byte) ([]byte, error) {
	if len(b) < 4 || b[0] != 0xFF || b[1] != 0xD8 {
		return nil, ErrMalformed
	}
	out := make([]byte, 0, len(b))
	out = append(out, 0xFF, 0xD8)
	i := 2
	for {
		if i >= len(b) || b[i] != 0xFF {
			return nil, ErrMalformed
		}
		for i < len(b) && b[i] == 0xFF { // fill bytes
			i++
		}
		if i >= len(b) {
			return nil, ErrMalformed
		}
		m := b[i]
		i++
		switch {
		case m == 0xD9: // EOI
			return append(out, 0xFF, 0xD9), nil
		case m == 0x00 || m == 0xD8:
			return nil, ErrMalformed
		case m == 0x01 || (m >= 0xD0 && m <= 0xD7): // standalone
			out = append(out, 0xFF, m)
			continue
		}
		if i+2 > len(b) {
			return nil, ErrMalformed
		}
		n := int(binary.BigEndian.Uint16(b[i:]))
		if n < 2 || i+n > len(b) {
			return nil, ErrMalformed
		}
		seg := b[i : i+n] // length bytes and payload
		i += n
		if keepJPEGSegment(m, seg[2:]) {
			out = append(out, 0xFF, m)
			out = append(out, seg...)
		}
		if m != 0xDA { // SOS: entropy-coded data follows
			continue
		}
		start := i
		for {
			if i+1 >= len(b) {
				return nil, ErrMalformed
			}
			if b[i] == 0xFF {
				x := b[i+1]
				if x != 0x00 && (x < 0xD0 || x > 0xD7) && x != 0xFF {
					break // a marker
				}
				if x == 0xFF {
					i++ // fill byte before a marker
					continue
				}
				i += 2
				continue
			}
			i++
		}
		out = append(out, b[start:i]...)
	}
}

// keepJPEGSegment says whether a marker segment stays.
func keepJPEGSegment(m byte, payload []byte) bool {
	switch {
	case m == 0xFE: // COM
		return false
	case m == 0xE0, m == 0xEE: // APP0 JFIF/JFXX, APP14 Adobe
		return true
	case m == 0xE2:
		return bytes.HasPrefix(payload, []byte("ICC_PROFILE\x00"))
	case m >= 0xE1 && m <= 0xEF: // APP1 EXIF/XMP, APP13 IPTC, other vendors
		return false
	}
	return true
}

var pngSig = []byte("\x89PNG\r\n\x1a\n")

// pngKeep lists the PNG chunks kept: the critical ones and the ancillary
// ones about colour, transparency, pixel size and animation. tEXt, zTXt,
// iTXt, eXIf, tIME and unknown ancillary chunks are dropped.
var pngKeep = map[string]bool{
	"IHDR": true, "PLTE": true, "IDAT": true, "IEND": true,
	"cHRM": true, "gAMA": true, "iCCP": true, "sBIT": true, "sRGB": true, "cICP": true, "mDCV": true, "cLLI": true,
	"bKGD": true, "hIST": true, "tRNS": true, "pHYs": true, "sPLT": true,
	"acTL": true, "fcTL": true, "fdAT": true,
}

// StripPNG drops the PNG chunks that carry text or metadata; unknown
// critical chunks stay (a decoder must see them). Bytes after IEND are
// dropped.
func StripPNG(b []byte) ([]byte, error) {
	if !bytes.HasPrefix(b, pngSig) {
		return nil, ErrMalformed
	}
	out := make([]byte, 0, len(b))
	out = append(out, pngSig...)
	i := len(pngSig)
	for first := true; ; first = false {
		if i+8 > len(b) {
			return nil, ErrMalformed
		}
		n := binary.BigEndian.Uint32(b[i:])
		if n > 1<<31-1 || uint64(i)+12+uint64(n) > uint64(len(b)) {
			return nil, ErrMalformed
		}
		typ := string(b[i+4 : i+8])
		for _, c := range []byte(typ) {
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
				return nil, ErrMalformed
			}
		}
		if first && typ != "IHDR" {
			return nil, ErrMalformed
		}
		end := i + 12 + int(n)
		critical := typ[0] >= 'A' && typ[0] <= 'Z'
		if pngKeep[typ] || critical {
			out = append(out, b[i:end]...)
		}
		i = end
		if typ == "IEND" {
			return out, nil
		}
	}
}

// webpKeep lists the WebP chunks kept; EXIF, XMP and unknown chunks are
// dropped.
var webpKeep = map[string]bool{"VP8 ": true, "VP8L": true, "VP8X": true, "ALPH": true, "ANIM": true, "ANMF": true, "ICCP": true}

// StripWebP drops the EXIF and XMP chunks (and unknown ones) of a WebP
// file, clears the VP8X flags that announced them and rewrites the RIFF
// size. Bytes after the RIFF payload are dropped.
func StripWebP(b []byte) ([]byte, error) {
	if len(b) < 12 || string(b[:4]) != "RIFF" || string(b[8:12]) != "WEBP" {
		return nil, ErrMalformed
	}
	size := uint64(binary.LittleEndian.Uint32(b[4:]))
	if size < 4 || 8+size > uint64(len(b)) {
		return nil, ErrMalformed
	}
	b = b[:8+size]
	out := make([]byte, 12, len(b))
	copy(out, b[:12])
	vp8x := -1
	for i := 12; i < len(b); {
		if i+8 > len(b) {
			return nil, ErrMalformed
		}
		typ := string(b[i : i+4])
		n := uint64(binary.LittleEndian.Uint32(b[i+4:]))
		end := uint64(i) + 8 + n + n&1
		if end > uint64(len(b)) {
			if uint64(i)+8+n == uint64(len(b)) { // an odd last chunk without its pad byte
				end = uint64(len(b))
			} else {
				return nil, ErrMalformed
			}
		}
		if webpKeep[typ] {
			if typ == "VP8X" && vp8x < 0 {
				vp8x = len(out)
			}
			out = append(out, b[i:end]...)
		}
		i = int(end)
	}
	if len(out) == 12 {
		return nil, ErrMalformed // no image
	}
	if vp8x >= 0 && vp8x+8 < len(out) {
		out[vp8x+8] &^= 0x08 | 0x04 // the EXIF and XMP flags
	}
	binary.LittleEndian.PutUint32(out[4:], uint32(len(out)-8))
	return out, nil
}
