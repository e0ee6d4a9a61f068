package main

import (
	"os/exec"
	"testing"
)

// goCmd runs the go command in dir with env (testmod.Env plus the test's own).
func goCmd(t *testing.T, dir string, env []string, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command("go", args...)
	cmd.Dir = dir
	cmd.Env = env
	out, err := cmd.CombinedOutput()
	return string(out), err
}
