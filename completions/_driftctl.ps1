
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'driftctl' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'driftctl'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'driftctl' {
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('diff', 'diff', [CompletionResultType]::ParameterValue, 'Compare the desired state in PATHs with the live cluster (or a snapshot)')
            [CompletionResult]::new('render', 'render', [CompletionResultType]::ParameterValue, 'Print the desired objects as driftctl sees them, as multi-document YAML')
            [CompletionResult]::new('backport', 'backport', [CompletionResultType]::ParameterValue, 'Write intentional drift back into Git, at the line that declares each value, proven by a re-audit')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print the shell completion script for SHELL (bash, zsh, fish, powershell, elvish)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'driftctl;diff' {
            [CompletionResult]::new('--renderer', '--renderer', [CompletionResultType]::ParameterName, 'How to render kustomizations')
            [CompletionResult]::new('--rev', '--rev', [CompletionResultType]::ParameterName, 'Read PATHs from this Git revision (branch, tag, commit) instead of the working tree')
            [CompletionResult]::new('--app', '--app', [CompletionResultType]::ParameterName, 'Audit only this app (a Flux Kustomization or Argo CD Application: NAME or NAMESPACE/NAME)')
            [CompletionResult]::new('--repo-root', '--repo-root', [CompletionResultType]::ParameterName, 'The repository root apps'' paths are relative to (default: the directory from which the app that applies PATH leads to PATH, else the Git work tree''s top)')
            [CompletionResult]::new('--repo-url', '--repo-url', [CompletionResultType]::ParameterName, 'A URL of this repository, as apps'' sources name it (repeatable; the checkout''s Git remotes count already)')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Audit only this namespace: objects PATHs declare in other namespaces, and cluster-scoped ones, are left out, and orphans are looked for only here. Namespaced objects that declare no namespace are placed here (default: the context''s namespace)')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Audit only this namespace: objects PATHs declare in other namespaces, and cluster-scoped ones, are left out, and orphans are looked for only here. Namespaced objects that declare no namespace are placed here (default: the context''s namespace)')
            [CompletionResult]::new('-l', '-l', [CompletionResultType]::ParameterName, 'Audit only objects whose labels match SELECTOR, in kubectl''s syntax (`key=value`, `key==value`, `key!=value`, `key in (a,b)`, `key notin (a,b)`, `key`, `!key`, comma-separated, all must hold): the labels Git declares for declared objects, the cluster''s for orphans')
            [CompletionResult]::new('--selector', '--selector', [CompletionResultType]::ParameterName, 'Audit only objects whose labels match SELECTOR, in kubectl''s syntax (`key=value`, `key==value`, `key!=value`, `key in (a,b)`, `key notin (a,b)`, `key`, `!key`, comma-separated, all must hold): the labels Git declares for declared objects, the cluster''s for orphans')
            [CompletionResult]::new('--live-snapshot', '--live-snapshot', [CompletionResultType]::ParameterName, 'Read live objects from a `kubectl get -o yaml|json` dump instead of a cluster')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Path to the kubeconfig file (default: $KUBECONFIG or ~/.kube/config)')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Kubeconfig context to use')
            [CompletionResult]::new('--request-timeout', '--request-timeout', [CompletionResultType]::ParameterName, 'Time limit for each request to the API server (answer included), e.g. 10s, 1m')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Give up on the whole audit after this long (exit 2), e.g. 5m; no limit by default')
            [CompletionResult]::new('--concurrency', '--concurrency', [CompletionResultType]::ParameterName, 'Most API requests in flight at once')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Rules file (default: .driftctl.yaml at the Git repository root of the first PATH)')
            [CompletionResult]::new('--argocd-app', '--argocd-app', [CompletionResultType]::ParameterName, 'An Argo CD Application manifest whose spec.ignoreDifferences apply (repeatable)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Report format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Report format')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to color the text report (NO_COLOR is honoured with `auto`)')
            [CompletionResult]::new('--fail-on', '--fail-on', [CompletionResultType]::ParameterName, 'Categories that make the audit fail with exit code 1 (default: every category but controller)')
            [CompletionResult]::new('--min-age', '--min-age', [CompletionResultType]::ParameterName, 'Report only differences whose live value has been in place at least this long (e.g. 30m, 2h, 3d)')
            [CompletionResult]::new('--now', '--now', [CompletionResultType]::ParameterName, 'Measure ages from this time (RFC 3339) instead of now: reproducible reports')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say what driftctl does (renderer used, requests made) on stderr')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say what driftctl does (renderer used, requests made) on stderr')
            [CompletionResult]::new('--debug', '--debug', [CompletionResultType]::ParameterName, 'Log every pipeline step on stderr (objects read, compared, findings); implies --verbose')
            [CompletionResult]::new('--no-follow', '--no-follow', [CompletionResultType]::ParameterName, 'Audit only what PATHs render: do not follow the GitOps apps they declare')
            [CompletionResult]::new('-A', '-A ', [CompletionResultType]::ParameterName, 'Look for orphans in every namespace, not only in those PATHs declare')
            [CompletionResult]::new('--all-namespaces', '--all-namespaces', [CompletionResultType]::ParameterName, 'Look for orphans in every namespace, not only in those PATHs declare')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No progress bar, no notices on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No progress bar, no notices on stderr')
            [CompletionResult]::new('--no-cache', '--no-cache', [CompletionResultType]::ParameterName, 'Ask the API server for discovery instead of using (and updating) the discovery cache under $KUBECACHEDIR or ~/.kube/cache')
            [CompletionResult]::new('--blame', '--blame', [CompletionResultType]::ParameterName, 'Name the commit, author and date that last changed each Git line a finding points at')
            [CompletionResult]::new('--show-ignored', '--show-ignored', [CompletionResultType]::ParameterName, 'List the differences ignore rules hid, with the rule that matched')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'driftctl;render' {
            [CompletionResult]::new('--renderer', '--renderer', [CompletionResultType]::ParameterName, 'How to render kustomizations')
            [CompletionResult]::new('--rev', '--rev', [CompletionResultType]::ParameterName, 'Read PATHs from this Git revision (branch, tag, commit) instead of the working tree')
            [CompletionResult]::new('--app', '--app', [CompletionResultType]::ParameterName, 'Audit only this app (a Flux Kustomization or Argo CD Application: NAME or NAMESPACE/NAME)')
            [CompletionResult]::new('--repo-root', '--repo-root', [CompletionResultType]::ParameterName, 'The repository root apps'' paths are relative to (default: the directory from which the app that applies PATH leads to PATH, else the Git work tree''s top)')
            [CompletionResult]::new('--repo-url', '--repo-url', [CompletionResultType]::ParameterName, 'A URL of this repository, as apps'' sources name it (repeatable; the checkout''s Git remotes count already)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say what driftctl does (renderer used, requests made) on stderr')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say what driftctl does (renderer used, requests made) on stderr')
            [CompletionResult]::new('--debug', '--debug', [CompletionResultType]::ParameterName, 'Log every pipeline step on stderr (objects read, compared, findings); implies --verbose')
            [CompletionResult]::new('--no-follow', '--no-follow', [CompletionResultType]::ParameterName, 'Audit only what PATHs render: do not follow the GitOps apps they declare')
            [CompletionResult]::new('--show-secrets', '--show-secrets', [CompletionResultType]::ParameterName, 'Print Secrets'' data and stringData values (hidden by default, key names kept)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'driftctl;backport' {
            [CompletionResult]::new('--renderer', '--renderer', [CompletionResultType]::ParameterName, 'How to render kustomizations')
            [CompletionResult]::new('--rev', '--rev', [CompletionResultType]::ParameterName, 'Read PATHs from this Git revision (branch, tag, commit) instead of the working tree')
            [CompletionResult]::new('--app', '--app', [CompletionResultType]::ParameterName, 'Audit only this app (a Flux Kustomization or Argo CD Application: NAME or NAMESPACE/NAME)')
            [CompletionResult]::new('--repo-root', '--repo-root', [CompletionResultType]::ParameterName, 'The repository root apps'' paths are relative to (default: the directory from which the app that applies PATH leads to PATH, else the Git work tree''s top)')
            [CompletionResult]::new('--repo-url', '--repo-url', [CompletionResultType]::ParameterName, 'A URL of this repository, as apps'' sources name it (repeatable; the checkout''s Git remotes count already)')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Audit only this namespace: objects PATHs declare in other namespaces, and cluster-scoped ones, are left out, and orphans are looked for only here. Namespaced objects that declare no namespace are placed here (default: the context''s namespace)')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Audit only this namespace: objects PATHs declare in other namespaces, and cluster-scoped ones, are left out, and orphans are looked for only here. Namespaced objects that declare no namespace are placed here (default: the context''s namespace)')
            [CompletionResult]::new('-l', '-l', [CompletionResultType]::ParameterName, 'Audit only objects whose labels match SELECTOR, in kubectl''s syntax (`key=value`, `key==value`, `key!=value`, `key in (a,b)`, `key notin (a,b)`, `key`, `!key`, comma-separated, all must hold): the labels Git declares for declared objects, the cluster''s for orphans')
            [CompletionResult]::new('--selector', '--selector', [CompletionResultType]::ParameterName, 'Audit only objects whose labels match SELECTOR, in kubectl''s syntax (`key=value`, `key==value`, `key!=value`, `key in (a,b)`, `key notin (a,b)`, `key`, `!key`, comma-separated, all must hold): the labels Git declares for declared objects, the cluster''s for orphans')
            [CompletionResult]::new('--live-snapshot', '--live-snapshot', [CompletionResultType]::ParameterName, 'Read live objects from a `kubectl get -o yaml|json` dump instead of a cluster')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Path to the kubeconfig file (default: $KUBECONFIG or ~/.kube/config)')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Kubeconfig context to use')
            [CompletionResult]::new('--request-timeout', '--request-timeout', [CompletionResultType]::ParameterName, 'Time limit for each request to the API server (answer included), e.g. 10s, 1m')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Give up on the whole audit after this long (exit 2), e.g. 5m; no limit by default')
            [CompletionResult]::new('--concurrency', '--concurrency', [CompletionResultType]::ParameterName, 'Most API requests in flight at once')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Rules file (default: .driftctl.yaml at the Git repository root of the first PATH)')
            [CompletionResult]::new('--argocd-app', '--argocd-app', [CompletionResultType]::ParameterName, 'An Argo CD Application manifest whose spec.ignoreDifferences apply (repeatable)')
            [CompletionResult]::new('--only', '--only', [CompletionResultType]::ParameterName, 'Backport only findings matching SELECTOR (repeatable; any may match): comma-separated `category=`, `object=Kind/ns/name`, `kind=`, `namespace=`, `name=`, `path=PREFIX`, `manager=` terms, all of which must match')
            [CompletionResult]::new('--branch', '--branch', [CompletionResultType]::ParameterName, 'Commit the edits on a new branch NAME created from HEAD (work tree and current branch untouched)')
            [CompletionResult]::new('--pr-body', '--pr-body', [CompletionResultType]::ParameterName, 'Write a Markdown pull-request description of the backport to FILE')
            [CompletionResult]::new('--adopt-orphans', '--adopt-orphans', [CompletionResultType]::ParameterName, 'Adopt orphans into Git: each selected orphan (all of them unless --only narrows) is written to DIR as a cleaned manifest, one file per object')
            [CompletionResult]::new('--now', '--now', [CompletionResultType]::ParameterName, 'Measure ages from this time (RFC 3339) instead of now: reproducible output')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say what driftctl does (renderer used, requests made) on stderr')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say what driftctl does (renderer used, requests made) on stderr')
            [CompletionResult]::new('--debug', '--debug', [CompletionResultType]::ParameterName, 'Log every pipeline step on stderr (objects read, compared, findings); implies --verbose')
            [CompletionResult]::new('--no-follow', '--no-follow', [CompletionResultType]::ParameterName, 'Audit only what PATHs render: do not follow the GitOps apps they declare')
            [CompletionResult]::new('-A', '-A ', [CompletionResultType]::ParameterName, 'Look for orphans in every namespace, not only in those PATHs declare')
            [CompletionResult]::new('--all-namespaces', '--all-namespaces', [CompletionResultType]::ParameterName, 'Look for orphans in every namespace, not only in those PATHs declare')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No progress bar, no notices on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No progress bar, no notices on stderr')
            [CompletionResult]::new('--no-cache', '--no-cache', [CompletionResultType]::ParameterName, 'Ask the API server for discovery instead of using (and updating) the discovery cache under $KUBECACHEDIR or ~/.kube/cache')
            [CompletionResult]::new('--write', '--write', [CompletionResultType]::ParameterName, 'Edit the files in the work tree instead of printing a diff')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'driftctl;completions' {
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'driftctl;help' {
            [CompletionResult]::new('diff', 'diff', [CompletionResultType]::ParameterValue, 'Compare the desired state in PATHs with the live cluster (or a snapshot)')
            [CompletionResult]::new('render', 'render', [CompletionResultType]::ParameterValue, 'Print the desired objects as driftctl sees them, as multi-document YAML')
            [CompletionResult]::new('backport', 'backport', [CompletionResultType]::ParameterValue, 'Write intentional drift back into Git, at the line that declares each value, proven by a re-audit')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print the shell completion script for SHELL (bash, zsh, fish, powershell, elvish)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'driftctl;help;diff' {
            break
        }
        'driftctl;help;render' {
            break
        }
        'driftctl;help;backport' {
            break
        }
        'driftctl;help;completions' {
            break
        }
        'driftctl;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
