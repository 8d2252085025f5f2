package imagemeta

import "bytes"

// gifApps lists the GIF application extensions kept: animation looping and
// an ICC colour profile. XMP ("XMP DataXMP") and any other are dropped.
var gifApps = []string{"NETSCAPE2.0", "ANIMEXTS1.0", "ICCRGBG1012"}

// StripGIF drops a GIF's comment extensions and its application extensions
// other than looping and colour (XMP among them). Bytes after the trailer
// are dropped.
func StripGIF(b []byte) ([]byte, error) {
	if len(b) < 13 || (string(b[:6]) != "GIF87a" && string(b[:6]) != "GIF89a") {
		return nil, ErrMalformed
	}
	i := 13
	if b[10]&0x80 != 0 { // global colour table
		i += 3 << (b[10]&7 + 1)
	}
	if i > len(b) {
		return nil, ErrMalformed
	}
	out := make([]byte, 0, len(b))
	out = append(out, b[:i]...)
	// subBlocks returns the end of the data sub-blocks starting at j.
	subBlocks := func(j int) (int, bool) {
		for j < len(b) {
			n := int(b[j])
			j++
			if n == 0 {
				return j, true
			}
			j += n
		}
		return 0, false
	}
	for {
		if i >= len(b) {
			return nil, ErrMalformed
		}
		switch b[i] {
		case 0x3B: // trailer
			return append(out, 0x3B), nil
		case 0x2C: // image descriptor, local colour table, LZW code size, data
			j := i + 10
			if j > len(b) {
				return nil, ErrMalformed
			}
			if b[i+9]&0x80 != 0 {
				j += 3 << (b[i+9]&7 + 1)
			}
			j++ // LZW minimum code size
			end, ok := subBlocks(j)
			if j > len(b) || !ok {
				return nil, ErrMalformed
			}
			out = append(out, b[i:end]...)
			i = end
		case 0x21: // extension: label, then sub-blocks
			if i+2 > len(b) {
				return nil, ErrMalformed
			}
			end, ok := subBlocks(i + 2)
			if !ok {
				return nil, ErrMalformed
			}
			if keepGIFExtension(b[i+1], b[i+2:end]) {
				out = append(out, b[i:end]...)
			}
			i = end
		default:
			return nil, ErrMalformed
		}
	}
}

// keepGIFExtension says whether an extension (its label and sub-blocks)
// stays: graphic control and plain text (they draw), looping and colour.
func keepGIFExtension(label byte, blocks []byte) bool {
	switch label {
	case 0xF9, 0x01: // graphic control, plain text
		return true
	case 0xFF: // application: the first sub-block names it
		if len(blocks) < 12 || blocks[0] != 11 {
			return false
		}
		for _, app := range gifApps {
			if bytes.Equal(blocks[1:12], []byte(app)) {
				return true
			}
		}
	}
	return false // comments, XMP, unknown
}
