# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_driftctl_global_optspecs
    string join \n h/help V/version
end

function __fish_driftctl_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_driftctl_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_driftctl_using_subcommand
    set -l cmd (__fish_driftctl_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c driftctl -n "__fish_driftctl_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c driftctl -n "__fish_driftctl_needs_command" -s V -l version -d 'Print version'
complete -c driftctl -n "__fish_driftctl_needs_command" -f -a "diff" -d 'Compare the desired state in PATHs with the live cluster (or a snapshot)'
complete -c driftctl -n "__fish_driftctl_needs_command" -f -a "render" -d 'Print the desired objects as driftctl sees them, as multi-document YAML'
complete -c driftctl -n "__fish_driftctl_needs_command" -f -a "backport" -d 'Write intentional drift back into Git, at the line that declares each value, proven by a re-audit'
complete -c driftctl -n "__fish_driftctl_needs_command" -f -a "completions" -d 'Print the shell completion script for SHELL (bash, zsh, fish, powershell, elvish)'
complete -c driftctl -n "__fish_driftctl_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c driftctl -n "__fish_driftctl_using_subcommand diff" -l renderer -d 'How to render kustomizations' -r -f -a "auto\t'Native renderer, falling back to an external kustomize when needed'
native\t'Only the native renderer'
external\t'`kustomize build` if on PATH, else `kubectl kustomize`'"
complete -c driftctl -n "__fish_driftctl_using_subcommand diff" -l rev -d 'Read PATHs from this Git revision (branch, tag, commit) instead of the working tree' -r
complete -c driftctl -n "__fish_driftctl_using_subcommand diff" -l app -d 'Audit only this app (a Flux Kustomization or Argo CD Application: NAME or NAMESPACE/NAME)' -r
complete -c driftctl -n "__fish_driftctl_using_subcommand diff" -l repo-root -d 'The repository root apps\' paths are relative to (default: the directory from which the app that applies PATH leads to PATH, else the Git work tree\'s top)' -r -F
complete -c driftctl -n "__fish_driftctl_using_subcommand diff" -l repo-url -d 'A URL of this repository, as apps\' sources name it (repeatable; the checkout\'s Git remotes count already)' -r
complete -c driftctl -n "__fish_driftctl_using_subcommand diff" -s n -l namespace -d 'Audit only this namespace: objects PATHs declare in other namespaces, and cluster-scoped ones, are left out, and orphans are looked for only here. Namespaced objects that declare no namespace are placed here (default: the context\'s namespace)' -r
complete -c driftctl -n "__fish_driftctl_using_subcommand diff" -s l -l selector -d 'Audit only objects whose labels match SELECTOR, in kubectl\'s syntax (`key=value`, `key==value`, `key!=value`, `key in (a,b)`, `key notin (a,b)`, `key`, `!key`, comma-separated, all must hold): the labels Git declares for declared objects, the cluster\'s for orphans' -r
complete -c driftctl -n "__fish_driftctl_using_subcommand diff" -l live-snapshot -d 'Read live objects from a `kubectl get -o yaml|json` dump instead of a cluster' -r -F
complete -c driftctl -n "__fish_driftctl_using_subcommand diff" -l kubeconfig -d 'Path to the kubeconfig file (default: $KUBECONFIG or ~/.kube/config)' -r -F
complete -c driftctl -n "__fish_driftctl_using_subcommand diff" -l context -d 'Kubeconfig context to use' -r
complete -c driftctl -n "__fish_driftctl_using_subcommand diff" -l request-timeout -d 'Time limit for each request to the API server (answer included), e.g. 10s, 1m' -r
complete -c driftctl -n "__fish_driftctl_using_subcommand diff" -l timeout -d 'Give up on the whole audit after this long (exit 2), e.g. 5m; no limit by default' -r
complete -c driftctl -n "__fish_driftctl_using_subcommand diff" -l concurrency -d 'Most API requests in flight at once' -r
complete -c driftctl -n "__fish_driftctl_using_subcommand diff" -l config -d 'Rules file (default: .driftctl.yaml at the Git repository root of the first PATH)' -r -F
complete -c driftctl -n "__fish_driftctl_using_subcommand diff" -l argocd-app -d 'An Argo CD Application manifest whose spec.ignoreDifferences apply (repeatable)' -r -F
complete -c driftctl -n "__fish_driftctl_using_subcommand diff" -s o -l output -d 'Report format' -r -f -a "text\t'Grouped by object, for a terminal (colored there)'
json\t'The versioned report of docs/report.schema.json, for scripts'
yaml\t'The same content as json, as YAML'
markdown\t'For a pull request or incident ticket: a summary table, then one collapsible section per object'
prometheus\t'OpenMetrics text for the node-exporter textfile collector or a Pushgateway'"
complete -c driftctl -n "__fish_driftctl_using_subcommand diff" -l color -d 'When to color the text report (NO_COLOR is honoured with `auto`)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c driftctl -n "__fish_driftctl_using_subcommand diff" -l fail-on -d 'Categories that make the audit fail with exit code 1 (default: every category but controller)' -r -f -a "image\t''
config\t''
secret\t''
missing\t''
orphan\t''
controller\t''"
complete -c driftctl -n "__fish_driftctl_using_subcommand diff" -l min-age -d 'Report only differences whose live value has been in place at least this long (e.g. 30m, 2h, 3d)' -r
complete -c driftctl -n "__fish_driftctl_using_subcommand diff" -l now -d 'Measure ages from this time (RFC 3339) instead of now: reproducible reports' -r
complete -c driftctl -n "__fish_driftctl_using_subcommand diff" -s v -l verbose -d 'Say what driftctl does (renderer used, requests made) on stderr'
complete -c driftctl -n "__fish_driftctl_using_subcommand diff" -l debug -d 'Log every pipeline step on stderr (objects read, compared, findings); implies --verbose'
complete -c driftctl -n "__fish_driftctl_using_subcommand diff" -l no-follow -d 'Audit only what PATHs render: do not follow the GitOps apps they declare'
complete -c driftctl -n "__fish_driftctl_using_subcommand diff" -s A -l all-namespaces -d 'Look for orphans in every namespace, not only in those PATHs declare'
complete -c driftctl -n "__fish_driftctl_using_subcommand diff" -s q -l quiet -d 'No progress bar, no notices on stderr'
complete -c driftctl -n "__fish_driftctl_using_subcommand diff" -l no-cache -d 'Ask the API server for discovery instead of using (and updating) the discovery cache under $KUBECACHEDIR or ~/.kube/cache'
complete -c driftctl -n "__fish_driftctl_using_subcommand diff" -l blame -d 'Name the commit, author and date that last changed each Git line a finding points at'
complete -c driftctl -n "__fish_driftctl_using_subcommand diff" -l show-ignored -d 'List the differences ignore rules hid, with the rule that matched'
complete -c driftctl -n "__fish_driftctl_using_subcommand diff" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c driftctl -n "__fish_driftctl_using_subcommand render" -l renderer -d 'How to render kustomizations' -r -f -a "auto\t'Native renderer, falling back to an external kustomize when needed'
native\t'Only the native renderer'
external\t'`kustomize build` if on PATH, else `kubectl kustomize`'"
complete -c driftctl -n "__fish_driftctl_using_subcommand render" -l rev -d 'Read PATHs from this Git revision (branch, tag, commit) instead of the working tree' -r
complete -c driftctl -n "__fish_driftctl_using_subcommand render" -l app -d 'Audit only this app (a Flux Kustomization or Argo CD Application: NAME or NAMESPACE/NAME)' -r
complete -c driftctl -n "__fish_driftctl_using_subcommand render" -l repo-root -d 'The repository root apps\' paths are relative to (default: the directory from which the app that applies PATH leads to PATH, else the Git work tree\'s top)' -r -F
complete -c driftctl -n "__fish_driftctl_using_subcommand render" -l repo-url -d 'A URL of this repository, as apps\' sources name it (repeatable; the checkout\'s Git remotes count already)' -r
complete -c driftctl -n "__fish_driftctl_using_subcommand render" -s v -l verbose -d 'Say what driftctl does (renderer used, requests made) on stderr'
complete -c driftctl -n "__fish_driftctl_using_subcommand render" -l debug -d 'Log every pipeline step on stderr (objects read, compared, findings); implies --verbose'
complete -c driftctl -n "__fish_driftctl_using_subcommand render" -l no-follow -d 'Audit only what PATHs render: do not follow the GitOps apps they declare'
complete -c driftctl -n "__fish_driftctl_using_subcommand render" -l show-secrets -d 'Print Secrets\' data and stringData values (hidden by default, key names kept)'
complete -c driftctl -n "__fish_driftctl_using_subcommand render" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c driftctl -n "__fish_driftctl_using_subcommand backport" -l renderer -d 'How to render kustomizations' -r -f -a "auto\t'Native renderer, falling back to an external kustomize when needed'
native\t'Only the native renderer'
external\t'`kustomize build` if on PATH, else `kubectl kustomize`'"
complete -c driftctl -n "__fish_driftctl_using_subcommand backport" -l rev -d 'Read PATHs from this Git revision (branch, tag, commit) instead of the working tree' -r
complete -c driftctl -n "__fish_driftctl_using_subcommand backport" -l app -d 'Audit only this app (a Flux Kustomization or Argo CD Application: NAME or NAMESPACE/NAME)' -r
complete -c driftctl -n "__fish_driftctl_using_subcommand backport" -l repo-root -d 'The repository root apps\' paths are relative to (default: the directory from which the app that applies PATH leads to PATH, else the Git work tree\'s top)' -r -F
complete -c driftctl -n "__fish_driftctl_using_subcommand backport" -l repo-url -d 'A URL of this repository, as apps\' sources name it (repeatable; the checkout\'s Git remotes count already)' -r
complete -c driftctl -n "__fish_driftctl_using_subcommand backport" -s n -l namespace -d 'Audit only this namespace: objects PATHs declare in other namespaces, and cluster-scoped ones, are left out, and orphans are looked for only here. Namespaced objects that declare no namespace are placed here (default: the context\'s namespace)' -r
complete -c driftctl -n "__fish_driftctl_using_subcommand backport" -s l -l selector -d 'Audit only objects whose labels match SELECTOR, in kubectl\'s syntax (`key=value`, `key==value`, `key!=value`, `key in (a,b)`, `key notin (a,b)`, `key`, `!key`, comma-separated, all must hold): the labels Git declares for declared objects, the cluster\'s for orphans' -r
complete -c driftctl -n "__fish_driftctl_using_subcommand backport" -l live-snapshot -d 'Read live objects from a `kubectl get -o yaml|json` dump instead of a cluster' -r -F
complete -c driftctl -n "__fish_driftctl_using_subcommand backport" -l kubeconfig -d 'Path to the kubeconfig file (default: $KUBECONFIG or ~/.kube/config)' -r -F
complete -c driftctl -n "__fish_driftctl_using_subcommand backport" -l context -d 'Kubeconfig context to use' -r
complete -c driftctl -n "__fish_driftctl_using_subcommand backport" -l request-timeout -d 'Time limit for each request to the API server (answer included), e.g. 10s, 1m' -r
complete -c driftctl -n "__fish_driftctl_using_subcommand backport" -l timeout -d 'Give up on the whole audit after this long (exit 2), e.g. 5m; no limit by default' -r
complete -c driftctl -n "__fish_driftctl_using_subcommand backport" -l concurrency -d 'Most API requests in flight at once' -r
complete -c driftctl -n "__fish_driftctl_using_subcommand backport" -l config -d 'Rules file (default: .driftctl.yaml at the Git repository root of the first PATH)' -r -F
complete -c driftctl -n "__fish_driftctl_using_subcommand backport" -l argocd-app -d 'An Argo CD Application manifest whose spec.ignoreDifferences apply (repeatable)' -r -F
complete -c driftctl -n "__fish_driftctl_using_subcommand backport" -l only -d 'Backport only findings matching SELECTOR (repeatable; any may match): comma-separated `category=`, `object=Kind/ns/name`, `kind=`, `namespace=`, `name=`, `path=PREFIX`, `manager=` terms, all of which must match' -r
complete -c driftctl -n "__fish_driftctl_using_subcommand backport" -l branch -d 'Commit the edits on a new branch NAME created from HEAD (work tree and current branch untouched)' -r
complete -c driftctl -n "__fish_driftctl_using_subcommand backport" -l pr-body -d 'Write a Markdown pull-request description of the backport to FILE' -r -F
complete -c driftctl -n "__fish_driftctl_using_subcommand backport" -l adopt-orphans -d 'Adopt orphans into Git: each selected orphan (all of them unless --only narrows) is written to DIR as a cleaned manifest, one file per object' -r -F
complete -c driftctl -n "__fish_driftctl_using_subcommand backport" -l now -d 'Measure ages from this time (RFC 3339) instead of now: reproducible output' -r
complete -c driftctl -n "__fish_driftctl_using_subcommand backport" -s v -l verbose -d 'Say what driftctl does (renderer used, requests made) on stderr'
complete -c driftctl -n "__fish_driftctl_using_subcommand backport" -l debug -d 'Log every pipeline step on stderr (objects read, compared, findings); implies --verbose'
complete -c driftctl -n "__fish_driftctl_using_subcommand backport" -l no-follow -d 'Audit only what PATHs render: do not follow the GitOps apps they declare'
complete -c driftctl -n "__fish_driftctl_using_subcommand backport" -s A -l all-namespaces -d 'Look for orphans in every namespace, not only in those PATHs declare'
complete -c driftctl -n "__fish_driftctl_using_subcommand backport" -s q -l quiet -d 'No progress bar, no notices on stderr'
complete -c driftctl -n "__fish_driftctl_using_subcommand backport" -l no-cache -d 'Ask the API server for discovery instead of using (and updating) the discovery cache under $KUBECACHEDIR or ~/.kube/cache'
complete -c driftctl -n "__fish_driftctl_using_subcommand backport" -l write -d 'Edit the files in the work tree instead of printing a diff'
complete -c driftctl -n "__fish_driftctl_using_subcommand backport" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c driftctl -n "__fish_driftctl_using_subcommand completions" -s h -l help -d 'Print help'
complete -c driftctl -n "__fish_driftctl_using_subcommand help; and not __fish_seen_subcommand_from diff render backport completions help" -f -a "diff" -d 'Compare the desired state in PATHs with the live cluster (or a snapshot)'
complete -c driftctl -n "__fish_driftctl_using_subcommand help; and not __fish_seen_subcommand_from diff render backport completions help" -f -a "render" -d 'Print the desired objects as driftctl sees them, as multi-document YAML'
complete -c driftctl -n "__fish_driftctl_using_subcommand help; and not __fish_seen_subcommand_from diff render backport completions help" -f -a "backport" -d 'Write intentional drift back into Git, at the line that declares each value, proven by a re-audit'
complete -c driftctl -n "__fish_driftctl_using_subcommand help; and not __fish_seen_subcommand_from diff render backport completions help" -f -a "completions" -d 'Print the shell completion script for SHELL (bash, zsh, fish, powershell, elvish)'
complete -c driftctl -n "__fish_driftctl_using_subcommand help; and not __fish_seen_subcommand_from diff render backport completions help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
