package fileops

// Identity returns what the archive records about the entry: the CRC-32 of
// its content, its compressed and uncompressed sizes and its compression
// method. Equal identities in two archives mean, but for a CRC-32 collision,
// equal content.
func (e *Entry) Identity() (crc32 uint32, compressed, size uint64, method uint16) {
	if e.file == nil {
		return 0, 0, 0, 0
	}
	// The fields one by one: a copy of the whole header was most of a
	// no-op's time to check 10,000 entries against the stat cache.
	f := e.file
	return f.CRC32, f.CompressedSize64, f.UncompressedSize64, f.Method
}
