// Package command runs programs for a deployment — the install and uninstall
// commands of a deployment.xml service package, the programs of the Ant
// <exec> task — with a deadline that kills the whole process tree and bounded
// capture of the output. It knows nothing of recipes: the caller turns its
// model into a Spec.
//
// # Contract
//
// Exec starts a Spec — a command line through the system shell, or a program
// and its arguments — in its directory, waits for it at most Spec.Timeout and
// returns a Result: the exit code, whether it counts as success under
// Spec.Success (exit code 0 when there is none), whether the deadline killed
// it, how long it ran and the last Options.TailSize bytes (64 KiB by default)
// of its standard output and standard error. It returns an error only when the
// command could not be started or the caller's context ended first; a failing
// exit code or a timeout is reported in the Result, not as an error, so a
// caller can print and record it like any other outcome.
//
// # Shell
//
// The command line is handed to the shell unchanged, so quoting, redirection
// and relative paths such as ./scripts/install behave as they do for an
// operator typing the line in that directory:
//
//   - Unix: /bin/sh -c <line>.
//   - Windows: %ComSpec% /d /s /c "<line>" (cmd.exe when ComSpec is unset),
//     passed as a raw command line so that cmd.exe, not Go, parses the quotes.
//     A line written for the seed's documentation, such as "cmd /c install.bat",
//     runs as cmd /c inside cmd /c, which is harmless.
//
// # Deadlines and process trees
//
// On Unix the command runs in a process group of its own (Setpgid); at the
// deadline, or when the caller's context ends, SIGKILL is sent to the whole
// group, so a shell and everything it started die together. A process that
// left the group (setsid, a daemon that detaches) is not reached. On Windows
// taskkill /T /F ends the process and its descendants, then the process itself
// is killed; a descendant whose parent already exited is not reached, because
// Windows has no parent link to it. Elsewhere only the process is killed.
//
// A command that exits while processes it started in the background still hold
// its output open is not waited for beyond WaitDelay (5 s): its pipes are
// closed, the Result is returned, and those processes keep running — an
// install script may legitimately start a daemon. They are not killed.
//
// # Exit codes
//
// ExitCode is the code the process passed to exit. On Unix it is 0–255, so a
// shell's "exit -1" is 255 and a successCodes range must say 255, not -1. On
// Windows the 32-bit exit code is read as signed, so "exit /b -1" is -1 and
// successCodes="-1:10" (the seed's example) can match it. A process ended by a
// signal (Unix), including the SIGKILL of a timeout, has ExitCode -1 and
// Signal set to the signal's name; such a process did not finish, so its
// Result is never a success, even when -1 is among the success codes. A
// timeout is never a success either.
package command
