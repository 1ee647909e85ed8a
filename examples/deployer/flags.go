package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/bundlekit/bundlekit/bundle"
	"github.com/bundlekit/bundlekit/constraint"
	"github.com/bundlekit/bundlekit/fileops"
	"github.com/bundlekit/bundlekit/recipe"
	"github.com/bundlekit/bundlekit/token"
)

// options holds every flag of every command; each command registers the ones it
// takes.
type options struct {
	bundle, dest       string
	id                 int
	idSet              bool
	props              propFlag
	propFiles          listFlag
	propEncoding       string
	clean, dryRun      bool
	runPreinstall      bool
	verify             bool
	wait               time.Duration
	json, quiet, force bool
	verbose            bool
	disk               bool
	keep               int
	name, version      string
	description        string
	compliance         string
	dir, out           string
	handoverDir        string
	serviceRoot        string
	// maxRatio is fileops.Limits.MaxRatio: 0 until --max-ratio is given
	// (the library's default), fileops.NoRatioLimit for --max-ratio 0.
	maxRatio int
	// bundleSHA256 is --bundle-sha256 of the commands that read a bundle,
	// outSHA256 pack's: the digest the .zip it writes must have.
	bundleSHA256, outSHA256 string
	// probe's own flags.
	scratch, check      string
	keepScratch, strict bool
	checkTimeout        time.Duration
	checkCodes          recipe.SuccessCodes
	// The constraints (--window, --ip-range, --not-before, --not-after,
	// --time-zone, --address), read by constraintSet once every flag is
	// parsed, since the dates are read in the time zone.
	window, ipRange                        string
	notBefore, notAfter                    string
	timeZone                               string
	addresses                              []netip.Addr
	conditions                             []bundle.Condition
	checks                                 listFlag
	requireCheckTimeout, requireCheckCodes string
	rollout                                rolloutFlags
}

// propFlag collects -p KEY=VALUE (and RHQ-style -DKEY=VALUE) in order.
type propFlag struct {
	keys   []string
	values map[string]string
}

func (p *propFlag) String() string { return strings.Join(p.keys, ",") }

func (p *propFlag) Set(s string) error {
	k, v, ok := strings.Cut(s, "=")
	if !ok || k == "" {
		return fmt.Errorf("%q is not KEY=VALUE", s)
	}
	if p.values == nil {
		p.values = map[string]string{}
	}
	if _, dup := p.values[k]; !dup {
		p.keys = append(p.keys, k)
	}
	p.values[k] = v
	return nil
}

type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(s string) error { *l = append(*l, s); return nil }

type flagSet struct {
	*flag.FlagSet
	o *options
}

func newFlags(name string, o *options) flagSet {
	if o == nil {
		o = &options{}
	}
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.Usage = func() {} // finish prints the command help
	fs.SetOutput(io.Discard)
	return flagSet{FlagSet: fs, o: o}
}

func (f flagSet) bundle() flagSet {
	f.StringVar(&f.o.bundle, "bundle", "", "the bundle: a directory or a .zip bundle distribution with deploy.xml at its top")
	return f
}

// integrity registers the checks made on a bundle before it is read:
// --bundle-sha256 and --max-ratio.
func (f flagSet) integrity() flagSet {
	f.Func("bundle-sha256", "the published SHA-256 of the .zip bundle (`HEX`, 64 digits): the file is checked before anything in it is read; "+
		"refused for a bundle directory, which has no published digest (deploy the .zip itself)", func(s string) error {
		sum, err := fileops.ParseSHA256(s)
		f.o.bundleSHA256 = sum
		return err
	})
	return f.maxRatio("refuse an archive (the .zip bundle, rhq:archive, rhq:url-archive) with an entry over 1 MiB that expands more than `N` times its compressed size, as a zip bomb does")
}

// maxRatio registers --max-ratio.
func (f flagSet) maxRatio(usage string) flagSet {
	usage += fmt.Sprintf(" (default %d; 0 turns the check off)", fileops.DefaultLimits.MaxRatio)
	f.Func("max-ratio", usage, func(s string) error {
		n, err := strconv.Atoi(s)
		switch {
		case err != nil || n < 0:
			return fmt.Errorf("%q is not a ratio: use a whole number, or 0 for no cap", s)
		case n == 0:
			f.o.maxRatio = fileops.NoRatioLimit
		default:
			f.o.maxRatio = n
		}
		return nil
	})
	return f
}

func (f flagSet) dest() flagSet {
	f.StringVar(&f.o.dest, "dest", "", "the destination directory (made absolute; RHQ's -Drhq.deploy.dir=… also works)")
	return f
}

func (f flagSet) id(what string) flagSet {
	f.Func("id", what, func(s string) error {
		n, err := strconv.ParseInt(s, 10, 32)
		if err != nil {
			return fmt.Errorf("%q is not a 32-bit integer", s)
		}
		f.o.id, f.o.idSet = int(n), true
		return nil
	})
	return f
}

func (f flagSet) properties() flagSet {
	f.Var(&f.o.props, "p", "a property value, `KEY=VALUE` (repeatable; RHQ's -DKEY=VALUE also works)")
	f.Var(&f.o.propFiles, "properties", "a Java .properties `FILE` of property values (repeatable; -p wins over files)")
	f.StringVar(&f.o.propEncoding, "properties-encoding", "iso-8859-1", "encoding of --properties files: iso-8859-1 (Java's) or utf-8")
	return f
}

func (f flagSet) output() flagSet {
	f.BoolVar(&f.o.json, "json", false, "write JSON Lines to stdout: the plan's entries, events, then exactly one result object (see The plan below)")
	f.BoolVar(&f.o.quiet, "quiet", false, "print only errors")
	f.BoolVar(&f.o.quiet, "q", false, "same as --quiet")
	return f
}

// verbose registers --verbose, for the commands that list the paths of a plan.
func (f flagSet) verbose() flagSet {
	const usage = "list every path, even past a screenful (a longer listing is otherwise collapsed by directory)"
	f.BoolVar(&f.o.verbose, "verbose", false, usage)
	f.BoolVar(&f.o.verbose, "v", false, "same as --verbose")
	return f
}

func (f flagSet) deployFlags() flagSet {
	f.bundle().dest().id("the deployment `id` (default: the current id + 1, or 1 for an unmanaged destination)").properties()
	f.BoolVar(&f.o.clean, "clean", false, "purge the destination before writing (local edits are backed up first)")
	f.BoolVar(&f.o.dryRun, "dry-run", false, "plan only: report what would change and change nothing (no recipe target runs; see --run-preinstall)")
	f.BoolVar(&f.o.runPreinstall, "run-preinstall", false, "in a dry run, run the recipe's preinstall target anyway, as RHQ does (R172); a real run always runs it, first")
	f.StringVar(&f.o.handoverDir, "handover-dir", "", "write the content the recipe hands over (rhq:handover) to `DIR`/<action>/<name>, with its parameters in <name>.params")
	f.StringVar(&f.o.serviceRoot, "service-root", "", "install an rhq:system-service under `DIR` instead of the recipe's root (default /)")
	f.IntVar(&f.o.keep, "keep", 0, "once the deployment is in place, prune the destination to the newest `N` deployments (see deployer prune); 0 keeps them all")
	f.BoolVar(&f.o.verify, "verify", false, "re-read every byte of the destination (and of a bundle directory) instead of trusting the sizes, times and inodes the last deployment recorded; a file is proved by the content digest recorded with the current deployment (SHA-256 of 4 MiB chunks, a large file read on every core), else by its MD5")
	return f.integrity().wait().gate().verbose().output()
}

// gate registers the constraints (when and where the operation may run) and
// the installation conditions (what the host must offer) of the commands
// that deploy, revert, purge and adopt.
func (f flagSet) gate() flagSet {
	f.StringVar(&f.o.window, "window", "", "run only inside these time `WINDOWS`, OCO's syntax: 6:00-7:00,FRI 18:00-23:00,!SAT 11:00-13:00,SAT 0:00-23:59 "+
		"(first match decides, ! refuses, ends included); outside them exit 4 (deferred)")
	f.StringVar(&f.o.ipRange, "ip-range", "", "run only from these address `RANGES`: 10.2.0.0/16,!192.168.2.3/32,192.168.2.0/24 "+
		"(first match decides, ! refuses), checked against the host's addresses or --address; outside them exit 4 (deferred)")
	f.StringVar(&f.o.notBefore, "not-before", "", "run only from this `TIME` on: RFC 3339, or YYYY-MM-DDTHH:MM[:SS] in --time-zone; earlier, exit 4 (deferred)")
	f.StringVar(&f.o.notAfter, "not-after", "", "run only until this `TIME`: RFC 3339, or YYYY-MM-DDTHH:MM[:SS] in --time-zone; later, exit 4 (deferred)")
	f.StringVar(&f.o.timeZone, "time-zone", "", "the IANA time `ZONE` (Europe/Berlin, UTC) --window and local --not-before/--not-after are read in (default: the local one)")
	f.Func("address", "check --ip-range against this `IP` instead of the host's addresses (repeatable)", func(s string) error {
		a, err := netip.ParseAddr(strings.TrimSpace(s))
		if err != nil {
			return fmt.Errorf("%q is not an IP address", s)
		}
		f.o.addresses = append(f.o.addresses, a)
		return nil
	})
	f.Func("require-os", "refuse unless the host is one of these `PLATFORMS`, OS[/ARCH] with Go's names: linux/amd64,darwin", func(s string) error {
		return f.o.addCondition(recipe.ParseOS(s))
	})
	f.Func("require-free-space", "refuse unless the destination has `SIZE` free (2GiB, 500MB); its own estimated usage is always checked", func(s string) error {
		n, err := recipe.ParseSize(s)
		return f.o.addCondition(recipe.FreeSpaceCondition{Min: n}, err)
	})
	f.Func("require-path", "refuse unless the absolute `PATH` exists; a trailing / says a directory (repeatable)", func(s string) error {
		return f.o.addCondition(recipe.ParsePath(s))
	})
	f.Func("require-deployment", "refuse unless `DEST:BUNDLE:RANGE` is deployed, RANGE as [1.2,2.0), 1.2 (or later) or * (repeatable)", func(s string) error {
		return f.o.addCondition(recipe.ParseDeployment(s))
	})
	f.Var(&f.o.checks, "require-check", "refuse unless this `COMMAND` (a program and its arguments, quoted as in a shell but with no shell) "+
		"exits with a success code, run in the destination (repeatable)")
	f.StringVar(&f.o.requireCheckTimeout, "require-check-timeout", "", "how long each --require-check may run (`DURATION`, default 60s); then it is killed and refuses")
	f.StringVar(&f.o.requireCheckCodes, "require-check-codes", "", "the exit `CODES` of a successful --require-check, as deployment.xml's successCodes: 0,1 or -1:10 (default 0)")
	return f
}

// addCondition records a condition read from a flag.
func (o *options) addCondition(c bundle.Condition, err error) error {
	if err != nil {
		return err
	}
	o.conditions = append(o.conditions, c)
	return nil
}

// constraintSet returns the constraints of the flags; a flag that cannot be
// read is a usage error.
func (o *options) constraintSet() (constraint.Set, error) {
	var s constraint.Set
	var err error
	if o.timeZone != "" {
		if s.Location, err = time.LoadLocation(o.timeZone); err != nil {
			return s, usageErrorf("--time-zone %q: %v", o.timeZone, err)
		}
	}
	if s.Windows, err = constraint.ParseWindows(o.window); err != nil {
		return s, usageErrorf("--window: %v", err)
	}
	if s.Ranges, err = constraint.ParseRanges(o.ipRange); err != nil {
		return s, usageErrorf("--ip-range: %v", err)
	}
	if o.notBefore != "" {
		if s.NotBefore, err = constraint.ParseTime(o.notBefore, s.Location); err != nil {
			return s, usageErrorf("--not-before: %v", err)
		}
	}
	if o.notAfter != "" {
		if s.NotAfter, err = constraint.ParseTime(o.notAfter, s.Location); err != nil {
			return s, usageErrorf("--not-after: %v", err)
		}
	}
	if !s.NotBefore.IsZero() && !s.NotAfter.IsZero() && s.NotAfter.Before(s.NotBefore) {
		return s, usageErrorf("--not-after %s is before --not-before %s", o.notAfter, o.notBefore)
	}
	if len(o.addresses) > 0 {
		if o.ipRange == "" {
			return s, usageErrorf("--address is what --ip-range is checked against: give --ip-range too")
		}
		s.Addrs = o.addresses
	}
	return s, nil
}

// conditionList returns the installation conditions of the flags, the
// check commands last, each with --require-check-timeout and
// --require-check-codes.
func (o *options) conditionList() ([]bundle.Condition, error) {
	out := append([]bundle.Condition(nil), o.conditions...)
	if len(o.checks) == 0 && (o.requireCheckTimeout != "" || o.requireCheckCodes != "") {
		return nil, usageErrorf("--require-check-timeout and --require-check-codes apply to --require-check: give one")
	}
	for _, words := range o.checks {
		c, err := recipe.ParseCheck(words, o.requireCheckTimeout, o.requireCheckCodes)
		if err != nil {
			return nil, usageErrorf("--require-check: %v", err)
		}
		out = append(out, c)
	}
	return out, nil
}

// probeFlags registers probe's flags: those of deploy that say what is
// deployed and how it is planned, and the probe's own.
func (f flagSet) probeFlags() flagSet {
	f.bundle().dest().id("the deployment `id` (default: the current id + 1, or 1 for an unmanaged destination)").properties()
	f.BoolVar(&f.o.clean, "clean", false, "plan against the destination as deploy --clean would")
	f.StringVar(&f.o.handoverDir, "handover-dir", "", "plan against the destination as deploy --handover-dir `DIR` would (the probe itself hands items over into the scratch tree)")
	f.StringVar(&f.o.serviceRoot, "service-root", "", "plan the rhq:system-service against `DIR` instead of the recipe's root (the probe installs it in the scratch tree)")
	f.BoolVar(&f.o.verify, "verify", false, "plan against the destination as deploy --verify would: re-read every byte")
	f.StringVar(&f.o.scratch, "scratch", "", "realize the deployment in `DIR` (new or empty, outside the destination) instead of a new directory in the system's temporary directory")
	f.BoolVar(&f.o.keepScratch, "keep-scratch", false, "keep the scratch tree for inspection (it can hold realized passwords)")
	f.StringVar(&f.o.check, "check", "", "run `CMD` by the system shell in the scratch destination once the deployment is realized there; a failure fails the probe")
	f.DurationVar(&f.o.checkTimeout, "check-timeout", bundle.DefaultCheckTimeout, "kill the --check command and its process group after `DURATION`")
	f.Func("check-codes", "the --check command's exit `CODES` that mean success, as deployment.xml's successCodes: 0,1,2 or 0:10 or -1:10 (default 0)", func(s string) error {
		codes, err := recipe.ParseSuccessCodes(s)
		f.o.checkCodes = codes
		return err
	})
	f.BoolVar(&f.o.strict, "strict", false, "make an unresolved @@token@@ in a realized file an error, not a warning")
	return f.integrity().wait().gate().verbose().output()
}

// packFlags registers pack's checks of the .zip it writes.
func (f flagSet) packFlags() flagSet {
	f.Func("bundle-sha256", "the SHA-256 the .zip written must have (`HEX`, 64 digits): pack is deterministic, so a match proves that DIR "+
		"is the published bundle; on a mismatch nothing is written to --out", func(s string) error {
		sum, err := fileops.ParseSHA256(s)
		f.o.outSHA256 = sum
		return err
	})
	return f.maxRatio("refuse to write a bundle that a deployer would refuse: one with a file over 1 MiB that deflates more than `N` times, such as a file of zeros (deploy it with the same --max-ratio)")
}

// limits returns the archive limits of --max-ratio.
func (o *options) limits() fileops.Limits { return fileops.Limits{MaxRatio: o.maxRatio} }

// wait registers --wait, for the commands that take the destination's lock.
func (f flagSet) wait() flagSet {
	f.DurationVar(&f.o.wait, "wait", 0, "when another deployer holds the destination's lock, wait up to `DURATION` (e.g. 30s, 5m) for it instead of failing with exit code 3")
	return f
}

// parse parses args after pulling out RHQ-style -Dkey=value arguments: -D values
// become properties, except rhq.deploy.dir and rhq.deploy.id, which set the
// destination and the id, so an rhq-ant command line works as it is.
func (f flagSet) parse(args []string) error {
	var rest []string
	for _, a := range args {
		kv, ok := strings.CutPrefix(a, "-D")
		if !ok || strings.HasPrefix(a, "--") || f.Lookup("D") != nil {
			rest = append(rest, a)
			continue
		}
		k, v, _ := strings.Cut(kv, "=")
		switch k {
		case "rhq.deploy.dir":
			if f.Lookup("dest") == nil {
				return usageErrorf("-Drhq.deploy.dir is not a flag of this command")
			}
			f.o.dest = v
		case "rhq.deploy.id":
			if f.Lookup("id") == nil {
				return usageErrorf("-Drhq.deploy.id is not a flag of this command")
			}
			if err := f.Set("id", v); err != nil {
				return usageErrorf("-Drhq.deploy.id: %v", err)
			}
		default:
			if f.Lookup("p") == nil {
				return usageErrorf("%s: this command takes no properties", a)
			}
			if err := f.o.props.Set(kv); err != nil {
				return usageErrorf("-D: %v", err)
			}
		}
	}
	if err := f.Parse(rest); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		// The flag package says so only in words (no typed error).
		if name, ok := strings.CutPrefix(err.Error(), "flag provided but not defined: -"); ok {
			if like := f.like(name); like != "" {
				return usageErrorf("%v (did you mean --%s?)", err, like)
			}
		}
		return usageErrorf("%v", err)
	}
	if f.NArg() > 0 {
		return usageErrorf("unexpected argument %q (flags only; see -h)", f.Arg(0))
	}
	return nil
}

// like returns the shortest flag of the command whose name starts with name
// (--keep for --keep-scratch, --dry for --dry-run), or "".
func (f flagSet) like(name string) string {
	var like string
	f.VisitAll(func(fl *flag.Flag) {
		if strings.HasPrefix(fl.Name, name) && (like == "" || len(fl.Name) < len(like)) {
			like = fl.Name
		}
	})
	return like
}

func (f flagSet) require(names ...string) error {
	for _, n := range names {
		if fl := f.Lookup(n); fl != nil && fl.Value.String() == "" {
			return usageErrorf("--%s is required", n)
		}
	}
	return nil
}

// propertyValues merges --properties files (in order) and -p values (which win).
func (o *options) propertyValues() (map[string]string, error) {
	enc := token.Latin1
	switch strings.ToLower(o.propEncoding) {
	case "iso-8859-1", "latin1", "latin-1", "":
	case "utf-8", "utf8":
		enc = token.UTF8
	default:
		return nil, usageErrorf("--properties-encoding %q: use iso-8859-1 or utf-8", o.propEncoding)
	}
	out := map[string]string{}
	for _, file := range o.propFiles {
		f, err := os.Open(file)
		if err != nil {
			return nil, inputErrorf("--properties: %v", err)
		}
		m, err := token.ReadProperties(f, enc)
		f.Close()
		if err != nil {
			return nil, inputErrorf("--properties %s: %v", file, err)
		}
		for k, v := range m {
			out[k] = v
		}
	}
	for k, v := range o.props.values {
		out[k] = v
	}
	return out, nil
}
