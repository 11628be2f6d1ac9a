"""Checks of go_defaults.py, the reader of the SetDefaults_* functions, on
small Go sources written here in the shapes kubernetes/kubernetes uses
(run by tests/defaults_generator.rs: python3 src/defaults/test_go_defaults.py)."""
import contextlib
import io
import os
import sys
import unittest

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import go_defaults  # noqa: E402

TYPES = {
    "apps/v1/register.go": 'package v1\n\nconst GroupName = "apps"\n',
    "apps/v1/types.go": '''package v1

import (
	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

const (
	// RollingUpdateDeploymentStrategyType replaces pods gradually.
	RollingUpdateDeploymentStrategyType DeploymentStrategyType = "RollingUpdate"
)

type Deployment struct {
	metav1.TypeMeta `json:",inline"`
	// Standard object's metadata.
	metav1.ObjectMeta `json:"metadata,omitempty"`
	Spec DeploymentSpec `json:"spec,omitempty"`
}

type DeploymentSpec struct {
	Replicas *int32 `json:"replicas,omitempty"`
	Template v1.PodTemplateSpec `json:"template"`
	Strategy DeploymentStrategy `json:"strategy,omitempty"`
}

type DeploymentStrategy struct {
	Type DeploymentStrategyType `json:"type,omitempty"`
	RollingUpdate *RollingUpdateDeployment `json:"rollingUpdate,omitempty"`
}

type DeploymentStrategyType string

type RollingUpdateDeployment struct {
	MaxSurge *intstr.IntOrString `json:"maxSurge,omitempty"`
}
''',
    "core/v1/register.go": 'package v1\n\nconst GroupName = ""\n',
    "core/v1/types.go": '''package v1

import metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

const (
	TerminationMessageReadFile TerminationMessagePolicy = "File"
	SecretVolumeSourceDefaultMode int32 = 0644
)

type Pod struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`
	Spec PodSpec `json:"spec,omitempty"`
}

type PodTemplateSpec struct {
	metav1.ObjectMeta `json:"metadata,omitempty"`
	Spec PodSpec `json:"spec,omitempty"`
}

type PodSpec struct {
	Containers []Container `json:"containers"`
	Volumes []Volume `json:"volumes,omitempty"`
}

type Container struct {
	Name string `json:"name"`
	Image string `json:"image,omitempty"`
	TerminationMessagePolicy TerminationMessagePolicy `json:"terminationMessagePolicy,omitempty"`
}

type TerminationMessagePolicy string

type Volume struct {
	Name string `json:"name"`
	VolumeSource `json:",inline"`
}

type VolumeSource struct {
	Secret *SecretVolumeSource `json:"secret,omitempty"`
}

type SecretVolumeSource struct {
	DefaultMode *int32 `json:"defaultMode,omitempty"`
}
''',
}

APPS_DEFAULTS = '''package v1

import (
	appsv1 "k8s.io/api/apps/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

func SetDefaults_Deployment(obj *appsv1.Deployment) {
	if obj.Spec.Replicas == nil {
		obj.Spec.Replicas = new(int32)
		*obj.Spec.Replicas = 1
	}
	strategy := &obj.Spec.Strategy
	if strategy.Type == "" {
		strategy.Type = appsv1.RollingUpdateDeploymentStrategyType
	}
	if strategy.Type == appsv1.RollingUpdateDeploymentStrategyType {
		if strategy.RollingUpdate.MaxSurge == nil {
			maxSurge := intstr.FromString("25%")
			strategy.RollingUpdate.MaxSurge = &maxSurge
		}
	}
}
'''

CORE_DEFAULTS = '''package v1

import (
	v1 "k8s.io/api/core/v1"
	"k8s.io/kubernetes/pkg/util/parsers"
)

func SetDefaults_Container(obj *v1.Container) {
	if obj.TerminationMessagePolicy == "" {
		obj.TerminationMessagePolicy = v1.TerminationMessageReadFile
	}
	if obj.Name == "" {
		obj.Name = parsers.Guess(obj.Image)
	}
}

func SetDefaults_SecretVolumeSource(obj *v1.SecretVolumeSource) {
	if obj.DefaultMode == nil {
		perm := int32(v1.SecretVolumeSourceDefaultMode)
		obj.DefaultMode = &perm
	}
}
'''


def rules(text, api, rel):
    types = go_defaults.Types(None, None, texts=TYPES)
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        out = go_defaults.file_rules(types, text, api, rel, "c0ffee", set())
    return [r.split(" src=")[0] for r in out if not r.startswith("#")], out, err.getvalue()


class Reader(unittest.TestCase):
    def test_a_kinds_defaults_are_anchored_json_paths_with_their_conditions(self):
        got, _, err = rules(APPS_DEFAULTS, "apps/v1", "pkg/apis/apps/v1/defaults.go")
        self.assertEqual(got, [
            "apps/Deployment ^spec.replicas 1",
            'apps/Deployment ^spec.strategy.type "RollingUpdate"',
            'apps/Deployment ^spec.strategy.rollingUpdate.maxSurge "25%" if=..type=="RollingUpdate"',
        ])
        self.assertEqual(err, "")

    def test_a_types_defaults_apply_wherever_the_type_occurs(self):
        got, out, _ = rules(CORE_DEFAULTS, "core/v1", "pkg/apis/core/v1/defaults.go")
        self.assertIn('* containers[].terminationMessagePolicy "File"', got)
        # an octal constant through a local and its address
        self.assertIn("* secret.defaultMode 420", got)
        self.assertTrue(any("SetDefaults_Container@c0ffee line 10" in r for r in out), out)

    def test_what_is_not_read_is_named_with_function_and_line_and_gives_no_rule(self):
        got, _, err = rules(CORE_DEFAULTS, "core/v1", "pkg/apis/core/v1/defaults.go")
        self.assertFalse(any("containers[].name" in r for r in got), got)
        self.assertIn("SetDefaults_Container@c0ffee line 13: not read: value parsers.Guess(obj.Image)", err)


if __name__ == "__main__":
    unittest.main()
