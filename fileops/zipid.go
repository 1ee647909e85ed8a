package fileops

// Identity returns what the archive records about the entry: the CRC-32 of
// its content, its compressed and uncompressed sizes and its compression
// method. Equal identities in two archives mean, but for a CRC-32 collision,
// equal content.
func (e *Entry) Identity() (crc32 uint32, compressed, size uint64, method uint16) {
	if e.file == nil {
		return 0, 0, 0, 0
	}
	h := e.file.FileHeader
	return h.CRC32, h.CompressedSize64, h.UncompressedSize64, h.Method
}
