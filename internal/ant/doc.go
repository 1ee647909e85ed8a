// Package ant interprets the Ant tasks of bundle recipes: the targets of a
// deploy.xml (the pre- and post-install targets of R172) and the build files
// they call with <ant>. Rule numbers (R172) refer to docs/behavior.md in the
// module.
//
// # Contract
//
// New prepares a Project from a parsed recipe (package recipe keeps targets as
// task trees with positions) and an Env: the bundle directory (the basedir),
// the deploy directory, the caller's properties and an event callback.
// Validate checks every task of the project — top-level, in every target,
// nested — before anything runs, and returns all the mistakes as
// *recipe.Error values with file:line:col: an unsupported task (the message
// lists the supported ones), an unsupported attribute or nested element, a
// missing required attribute, a value that can never be right. RunTarget
// validates first, runs the top-level tasks once, then the target after its
// depends= (each once per call, in Ant's order), honouring if= and unless=, and
// stops at the first failure with a *TaskError that says where. Properties
// are expanded when each task runs, with Ant's rules (R157): the first
// definition of a property wins, so the caller's values and earlier
// definitions cannot be changed; an unknown ${x} stays as written; $$ is $.
// The interpreter never prints: what tasks say and do is reported as Events.
//
// # Supported tasks
//
// Attribute and nested element names are matched without regard to case, as
// Ant matches them. Booleans are true/yes/on or false/no/off.
//
//   - ant: antfile (default build.xml, relative to dir), dir (default the
//     basedir; the called project's basedir), target (default the project's
//     default), inheritall (default true); nested property (as the property
//     task). Calls nest at most Env.MaxAntDepth deep. The seed's
//     <ant antfile="another.xml" target="doSomething"> works as documented.
//   - available: property, file, type (file|dir), value (default true).
//   - chmod: perm (octal such as 755 or 4755, or symbolic such as u+x,go-w and
//     a=rX), file, dir (with includes, excludes, defaultexcludes,
//     casesensitive and nested include, exclude, patternset: the files below
//     dir), nested fileset, type (file|dir|both, default file), failonerror
//     (default false), verbose. A no-op when Env.OS is windows, as in Ant.
//   - condition: property, value (default true), else; exactly one nested
//     condition among and, or, not, available (file, type), equals (arg1,
//     arg2, casesensitive default true, trim default false), contains (string,
//     substring, casesensitive), isset (property), istrue and isfalse (value),
//     os (family: windows, unix, mac, dos, winnt and Ant's other names, which
//     are false; arch, which accepts Java's names such as x86_64 and aarch64).
//   - copy and move: file, tofile, todir, nested fileset, overwrite (copy:
//     default false, then only a source newer than the destination by more
//     than 1 s, 2 s on Windows, is copied; move: default true),
//     preservelastmodified, flatten, includeemptydirs (default true),
//     failonerror (default true), verbose, quiet. move also moves a directory
//     given as file, and removes the directories a fileset move left without
//     files. No filtering, filtersets or mappers.
//   - delete: file, dir, nested fileset, dir with pattern attributes or nested
//     include, exclude, patternset (then the matching files below dir),
//     includeemptydirs (default false), quiet, failonerror (default true),
//     verbose.
//   - description: no-op.
//   - echo: message and/or text, file, append, level (error, warning, info,
//     verbose, debug). Without file it is an EventEcho.
//   - exec: executable, dir (default the basedir), nested arg (value, line,
//     file, path) and env (key with value, file or path), failonerror (default
//     false, as in Ant), failifexecutionfails (default true), resultproperty,
//     outputproperty (standard output and, without errorproperty, standard
//     error; the last Env.OutputLimit bytes, one trailing line ending
//     removed), errorproperty, timeout (milliseconds; default
//     Env.ExecTimeout, 10 minutes), osfamily, newenvironment,
//     resolveexecutable, searchpath (accepted; bare names are always looked
//     up in PATH). The program runs through internal/command: at the deadline
//     its whole process tree is killed. Each output line is an EventOutput as
//     it arrives; the end is an EventExec with the exit code and output
//     tails (its Message names the program only: arguments may hold
//     secrets).
//   - fail: message and/or text, if, unless, a nested condition (with one
//     condition inside).
//   - mkdir: dir.
//   - property and rhq:property: name with value, location or text; file
//     (Java .properties, ISO-8859-1, references between its properties
//     resolved) with prefix; environment (prefix for the environment
//     variables). rhq:property adds relativeToDeployDir (R177). A missing
//     property file is logged and defines nothing, as in Ant.
//   - replace: file, dir (with pattern attributes and nested include,
//     exclude, patternset: the files below dir), nested fileset, token and
//     value or nested replacetoken and replacevalue, nested replacefilter
//     (token, value), summary. Literal replacement on bytes; a file without
//     an occurrence is not rewritten.
//   - rhq:audit: status (SUCCESS, INFO, WARN, FAILURE, any case; default
//     SUCCESS), action (default "Audit Message"), info (default "Timestamp:
//     <now>"), message, text (the details) — an EventAudit (R178).
//   - sleep: milliseconds, seconds, minutes, hours; at most Env.MaxSleep.
//   - touch: file, millis, datetime (MM/dd/yyyy hh:mm a, optionally with
//     seconds), mkdirs.
//   - unzip: src, dest, overwrite (default true; false skips entries that
//     exist), nested patternset. Checked by fileops.OpenZip first.
//   - zip: destfile, basedir with pattern attributes and nested include,
//     exclude, patternset, nested fileset, filesonly.
//
// Filesets take dir (or file), includes, excludes, defaultexcludes (default
// true: Ant's default excludes such as **/.git/**), casesensitive,
// erroronmissingdir, and nested include, exclude and patternset; patterns
// have Ant's semantics (internal/antglob). Anything else — any other task,
// attribute or nested element, references (id, refid) — is refused by
// Validate. <antcall> and <macrodef> are refused with the reason the JBoss ON
// documentation gives.
//
// # Paths
//
// A path attribute is resolved as Ant resolves it: "/" and "\" both separate,
// a relative path is relative to the project's basedir (Env.Basedir for the
// recipe, the dir of an <ant> call for a called project; the project element's
// basedir attribute is ignored, as RHQ sets the basedir itself), and "." and
// ".." are resolved lexically. The clean absolute path is then routed:
//
//  1. at or below the deploy directory: through one fileops.Dir (os.Root) of
//     the deploy directory, created when a task first writes there, so no
//     operation can leave it, not even through a symbolic link;
//  2. at or below the basedir: through one fileops.Dir of the basedir;
//  3. anywhere else: through fileops.OpenParent, which opens the parent
//     directory for that one operation and confines the last element.
//
// When one of the two directories contains the other, the deeper one routes.
// A path that leaves the deploy directory with ".." is simply elsewhere (case
// 2 or 3), as in Ant. <delete> and <move> refuse to remove the deploy
// directory, the basedir, or a directory containing either (ErrProtected).
// Symbolic links are not followed by fileset walks. The working directory and
// program of <exec> are plain paths: the program runs with the operator's
// rights anyway.
//
// # Divergences from Ant and RHQ
//
// Where a task departs from Ant or RHQ on purpose — stricter booleans and
// attributes, unresolved ${name} in paths, protected directories, links not
// followed, atomic writes, deterministic <zip>, <exec>'s program lookup and
// timeouts, build-file encodings, <touch> limits — is listed, with the reason,
// in COMPATIBILITY.md (its Hooks section).
//
// # Concurrency
//
// A Project is not safe for concurrent use. Env.Events is never called
// concurrently, but <exec> output events arrive from goroutines other than the
// one running the target.
package ant
