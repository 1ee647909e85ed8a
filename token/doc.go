// Package token realizes @@token@@ templates and holds the values that fill
// them: the input properties a recipe declares, the caller's properties, the
// implicit deployment tokens and the system tokens of the host
// (docs/behavior.md §11, R140–R152, and R158–R159). It knows nothing about
// bundles or directories. Rule numbers (R140) refer to docs/behavior.md in the
// module; COMPATIBILITY.md (its Tokens section) lists where this package
// departs from RHQ on purpose: bytes are never re-encoded, memory is bounded,
// and caller values are used verbatim.
//
// # Realization
//
// NewReader wraps a reader so that what is read from it is the source with
// every token replaced by its value; Realize copies a source to a writer the
// same way. A token is (R140–R145):
//
//	@@  optional whitespace  key  optional whitespace  @@
//
// where whitespace is Java's \s (space, TAB, LF, VT, FF, CR), so a token may
// span lines, and the key is one or more groups of ASCII letters, digits and
// '_', each optionally followed by a single '.': "rhq.deploy.dir" and "a." are
// keys, ".a", "a..b" and "max-heap" are not. Tokens are found left to right and
// do not overlap: "@@a@@@@b@@" holds two tokens, and in "@@@@a@@" the first
// "@@" is text. The trimmed key is looked up exactly, case included; a token
// whose key has no value is left as written, whitespace included. Values are
// inserted as they are: "$", "\" and "@@" in a value mean nothing, and a value
// is never searched for tokens. There is no escape.
//
// Realization works on bytes, and no byte outside a token is changed: line
// endings, byte-order marks, invalid UTF-8 and binary data pass through
// untouched. Tokens are ASCII, so they are found in UTF-8 and in every
// single-byte ASCII-based encoding; a UTF-16 file contains no tokens and is
// copied unchanged.
//
// Memory is bounded whatever the size of the input: a Reader holds a buffer of
// at most MaxTokenLen (64 KiB) bytes. A token longer than that, delimiters
// included, is left as written as if its key were unknown: only a token with
// more than 65532 bytes of whitespace and key between its delimiters.
//
// The hash of a realized file (R6) is the hash of the realized bytes: write
// to io.MultiWriter(file, md5.New()) to get both in one pass.
//
// Find reports the tokens of a text with their offsets and lines, exactly
// those a Reader looks up; run on realized text, it finds the tokens that were
// left as written because their keys had no value.
//
// # Values
//
// A Values is the value set of one deployment. Later sources override earlier
// ones (R148): System (the rhq.system.* tokens), Properties (the caller's),
// Inputs (the recipe's input properties, resolved by Inputs.Resolve), then
// Deployment (rhq.deploy.id, rhq.deploy.name and rhq.deploy.dir). Map is a
// plain Lookup for tests and simple uses.
//
// # Input properties
//
// An Input declares an input property of a recipe (R158): its name,
// description, Type, whether it is required, and its default. Inputs.Resolve
// gives each input its value: the given one, else the default. It then checks
// every value against its type with Java's syntax (Type.Validate) and reports
// every missing required input in one *MissingError and every illegal value in
// an *InvalidError (R159).
//
// The value of a password input is secret: it never appears in an error of
// this package, and Inputs.Redact masks it in any map keyed by input names
// before that map is logged, shown or written as JSON. A Values holds secrets
// and must never be printed.
//
// # System tokens
//
// Host returns the system tokens of R149, gathered lazily from these sources.
// A key whose source fails (no host name, interfaces that cannot be listed) has
// no value, so its token is left as written.
//
//	rhq.system.hostname        os.Hostname
//	rhq.system.os.name         SIGAR's name for GOOS: Linux, Win32, MacOSX,
//	                           FreeBSD, NetBSD, OpenBSD, Solaris, AIX; else GOOS
//	rhq.system.os.type         RHQ's type: LINUX, WINDOWS, OSX, BSD (FreeBSD),
//	                           SOLARIS, AIX; JAVA for any other system
//	rhq.system.os.version      Linux: the kernel release (/proc/sys/kernel/osrelease);
//	                           macOS: the product version, other BSDs: the kernel
//	                           release (sysctl); Windows: major.minor from the
//	                           registry (10.0 for Windows 10 and 11); absent elsewhere
//	rhq.system.architecture    GOARCH with uname -m's names: x86_64, i686, aarch64,
//	                           armv7l, loongarch64; other GOARCH values as they are
//	rhq.system.cpu.count       runtime.NumCPU ("?" if unknown)
//
//	rhq.system.interfaces.<name>.mac                net.Interfaces, one set of
//	rhq.system.interfaces.<name>.type               keys per interface, aliases
//	rhq.system.interfaces.<name>.flags              such as eth0:1 excepted as in
//	rhq.system.interfaces.<name>.address            RHQ; see below
//	rhq.system.interfaces.<name>.multicast.address
//	rhq.system.interfaces.java.address              the host name, resolved
//
//	rhq.system.sysprop.java.io.tmpdir    os.TempDir
//	rhq.system.sysprop.file.separator    "\" on Windows, else "/"
//	rhq.system.sysprop.line.separator    CR LF on Windows, else LF
//	rhq.system.sysprop.path.separator    ";" on Windows, else ":"
//	rhq.system.sysprop.java.home         $JAVA_HOME; "java.home" if unset
//	rhq.system.sysprop.java.version      always "java.version": there is no JVM
//	rhq.system.sysprop.user.timezone     $TZ, else /etc/timezone, else the zone
//	                                     named by the /etc/localtime link, else
//	                                     "UTC" if the local zone is UTC, else
//	                                     "user.timezone"
//	rhq.system.sysprop.user.region       always "user.region", as on any JVM since 1.4
//	rhq.system.sysprop.user.language     from $LC_ALL, else $LC_MESSAGES, else $LANG
//	rhq.system.sysprop.user.country      (on Windows, else the user's locale):
//	                                     de_CH.UTF-8 gives de and CH; C, POSIX or
//	                                     nothing gives en and US; a missing
//	                                     country gives "user.country"
//
// Where RHQ reads a Java system property that is not set, it yields the
// property's name, and so does this package where Go has no equivalent.
//
// Interface facts follow SIGAR, RHQ's native layer: mac is upper-case
// hexadecimal, all zeros for an interface without one; type is "Local
// Loopback", "Point-to-Point Protocol", "Ethernet" (a 6-byte hardware address)
// or "UNSPEC", guessed from the flags since Go does not expose the link type;
// flags are SIGAR's names (UP BROADCAST LOOPBACK POINTOPOINT RUNNING
// MULTICAST, in that order, or [NO FLAGS]); address is the first IPv4 address,
// else the first IPv6 one, absent if there is none; multicast.address is, as
// in RHQ, the IPv4 broadcast address of a broadcast interface, absent
// otherwise. java.address is the first address the host name resolves to,
// preferring IPv4 as the JVM does, or 127.0.0.1 if resolution fails or takes
// more than 5 seconds.
package token
