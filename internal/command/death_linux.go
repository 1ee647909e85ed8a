package command

import "syscall"

// dieWithParent has the kernel kill the command when the thread that started
// it ends: with the deployer, even a killed one (the caller keeps the thread
// for the command's life).
func dieWithParent(a *syscall.SysProcAttr) { a.Pdeathsig = syscall.SIGKILL }
