
use builtin;
use str;

set edit:completion:arg-completer[driftctl] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'driftctl'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'driftctl'= {
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand diff 'Compare the desired state in PATHs with the live cluster (or a snapshot)'
            cand render 'Print the desired objects as driftctl sees them, as multi-document YAML'
            cand backport 'Write intentional drift back into Git, at the line that declares each value, proven by a re-audit'
            cand completions 'Print the shell completion script for SHELL (bash, zsh, fish, powershell, elvish)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'driftctl;diff'= {
            cand --renderer 'How to render kustomizations'
            cand --rev 'Read PATHs from this Git revision (branch, tag, commit) instead of the working tree'
            cand --app 'Audit only this app (a Flux Kustomization or Argo CD Application: NAME or NAMESPACE/NAME)'
            cand --repo-root 'The repository root apps'' paths are relative to (default: the directory from which the app that applies PATH leads to PATH, else the Git work tree''s top)'
            cand --repo-url 'A URL of this repository, as apps'' sources name it (repeatable; the checkout''s Git remotes count already)'
            cand -n 'Audit only this namespace: objects PATHs declare in other namespaces, and cluster-scoped ones, are left out, and orphans are looked for only here. Namespaced objects that declare no namespace are placed here (default: the context''s namespace)'
            cand --namespace 'Audit only this namespace: objects PATHs declare in other namespaces, and cluster-scoped ones, are left out, and orphans are looked for only here. Namespaced objects that declare no namespace are placed here (default: the context''s namespace)'
            cand -l 'Audit only objects whose labels match SELECTOR, in kubectl''s syntax (`key=value`, `key==value`, `key!=value`, `key in (a,b)`, `key notin (a,b)`, `key`, `!key`, comma-separated, all must hold): the labels Git declares for declared objects, the cluster''s for orphans'
            cand --selector 'Audit only objects whose labels match SELECTOR, in kubectl''s syntax (`key=value`, `key==value`, `key!=value`, `key in (a,b)`, `key notin (a,b)`, `key`, `!key`, comma-separated, all must hold): the labels Git declares for declared objects, the cluster''s for orphans'
            cand --live-snapshot 'Read live objects from a `kubectl get -o yaml|json` dump instead of a cluster'
            cand --kubeconfig 'Path to the kubeconfig file (default: $KUBECONFIG or ~/.kube/config)'
            cand --context 'Kubeconfig context to use'
            cand --request-timeout 'Time limit for each request to the API server (answer included), e.g. 10s, 1m'
            cand --timeout 'Give up on the whole audit after this long (exit 2), e.g. 5m; no limit by default'
            cand --concurrency 'Most API requests in flight at once'
            cand --config 'Rules file (default: .driftctl.yaml at the Git repository root of the first PATH)'
            cand --argocd-app 'An Argo CD Application manifest whose spec.ignoreDifferences apply (repeatable)'
            cand -o 'Report format'
            cand --output 'Report format'
            cand --color 'When to color the text report (NO_COLOR is honoured with `auto`)'
            cand --fail-on 'Categories that make the audit fail with exit code 1 (default: every category but controller)'
            cand --min-age 'Report only differences whose live value has been in place at least this long (e.g. 30m, 2h, 3d)'
            cand --now 'Measure ages from this time (RFC 3339) instead of now: reproducible reports'
            cand -v 'Say what driftctl does (renderer used, requests made) on stderr'
            cand --verbose 'Say what driftctl does (renderer used, requests made) on stderr'
            cand --debug 'Log every pipeline step on stderr (objects read, compared, findings); implies --verbose'
            cand --no-follow 'Audit only what PATHs render: do not follow the GitOps apps they declare'
            cand -A 'Look for orphans in every namespace, not only in those PATHs declare'
            cand --all-namespaces 'Look for orphans in every namespace, not only in those PATHs declare'
            cand -q 'No progress bar, no notices on stderr'
            cand --quiet 'No progress bar, no notices on stderr'
            cand --no-cache 'Ask the API server for discovery instead of using (and updating) the discovery cache under $KUBECACHEDIR or ~/.kube/cache'
            cand --blame 'Name the commit, author and date that last changed each Git line a finding points at'
            cand --show-ignored 'List the differences ignore rules hid, with the rule that matched'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'driftctl;render'= {
            cand --renderer 'How to render kustomizations'
            cand --rev 'Read PATHs from this Git revision (branch, tag, commit) instead of the working tree'
            cand --app 'Audit only this app (a Flux Kustomization or Argo CD Application: NAME or NAMESPACE/NAME)'
            cand --repo-root 'The repository root apps'' paths are relative to (default: the directory from which the app that applies PATH leads to PATH, else the Git work tree''s top)'
            cand --repo-url 'A URL of this repository, as apps'' sources name it (repeatable; the checkout''s Git remotes count already)'
            cand -v 'Say what driftctl does (renderer used, requests made) on stderr'
            cand --verbose 'Say what driftctl does (renderer used, requests made) on stderr'
            cand --debug 'Log every pipeline step on stderr (objects read, compared, findings); implies --verbose'
            cand --no-follow 'Audit only what PATHs render: do not follow the GitOps apps they declare'
            cand --show-secrets 'Print Secrets'' data and stringData values (hidden by default, key names kept)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'driftctl;backport'= {
            cand --renderer 'How to render kustomizations'
            cand --rev 'Read PATHs from this Git revision (branch, tag, commit) instead of the working tree'
            cand --app 'Audit only this app (a Flux Kustomization or Argo CD Application: NAME or NAMESPACE/NAME)'
            cand --repo-root 'The repository root apps'' paths are relative to (default: the directory from which the app that applies PATH leads to PATH, else the Git work tree''s top)'
            cand --repo-url 'A URL of this repository, as apps'' sources name it (repeatable; the checkout''s Git remotes count already)'
            cand -n 'Audit only this namespace: objects PATHs declare in other namespaces, and cluster-scoped ones, are left out, and orphans are looked for only here. Namespaced objects that declare no namespace are placed here (default: the context''s namespace)'
            cand --namespace 'Audit only this namespace: objects PATHs declare in other namespaces, and cluster-scoped ones, are left out, and orphans are looked for only here. Namespaced objects that declare no namespace are placed here (default: the context''s namespace)'
            cand -l 'Audit only objects whose labels match SELECTOR, in kubectl''s syntax (`key=value`, `key==value`, `key!=value`, `key in (a,b)`, `key notin (a,b)`, `key`, `!key`, comma-separated, all must hold): the labels Git declares for declared objects, the cluster''s for orphans'
            cand --selector 'Audit only objects whose labels match SELECTOR, in kubectl''s syntax (`key=value`, `key==value`, `key!=value`, `key in (a,b)`, `key notin (a,b)`, `key`, `!key`, comma-separated, all must hold): the labels Git declares for declared objects, the cluster''s for orphans'
            cand --live-snapshot 'Read live objects from a `kubectl get -o yaml|json` dump instead of a cluster'
            cand --kubeconfig 'Path to the kubeconfig file (default: $KUBECONFIG or ~/.kube/config)'
            cand --context 'Kubeconfig context to use'
            cand --request-timeout 'Time limit for each request to the API server (answer included), e.g. 10s, 1m'
            cand --timeout 'Give up on the whole audit after this long (exit 2), e.g. 5m; no limit by default'
            cand --concurrency 'Most API requests in flight at once'
            cand --config 'Rules file (default: .driftctl.yaml at the Git repository root of the first PATH)'
            cand --argocd-app 'An Argo CD Application manifest whose spec.ignoreDifferences apply (repeatable)'
            cand --only 'Backport only findings matching SELECTOR (repeatable; any may match): comma-separated `category=`, `object=Kind/ns/name`, `kind=`, `namespace=`, `name=`, `path=PREFIX`, `manager=` terms, all of which must match'
            cand --branch 'Commit the edits on a new branch NAME created from HEAD (work tree and current branch untouched)'
            cand --pr-body 'Write a Markdown pull-request description of the backport to FILE'
            cand --adopt-orphans 'Adopt orphans into Git: each selected orphan (all of them unless --only narrows) is written to DIR as a cleaned manifest, one file per object'
            cand --now 'Measure ages from this time (RFC 3339) instead of now: reproducible output'
            cand -v 'Say what driftctl does (renderer used, requests made) on stderr'
            cand --verbose 'Say what driftctl does (renderer used, requests made) on stderr'
            cand --debug 'Log every pipeline step on stderr (objects read, compared, findings); implies --verbose'
            cand --no-follow 'Audit only what PATHs render: do not follow the GitOps apps they declare'
            cand -A 'Look for orphans in every namespace, not only in those PATHs declare'
            cand --all-namespaces 'Look for orphans in every namespace, not only in those PATHs declare'
            cand -q 'No progress bar, no notices on stderr'
            cand --quiet 'No progress bar, no notices on stderr'
            cand --no-cache 'Ask the API server for discovery instead of using (and updating) the discovery cache under $KUBECACHEDIR or ~/.kube/cache'
            cand --write 'Edit the files in the work tree instead of printing a diff'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'driftctl;completions'= {
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'driftctl;help'= {
            cand diff 'Compare the desired state in PATHs with the live cluster (or a snapshot)'
            cand render 'Print the desired objects as driftctl sees them, as multi-document YAML'
            cand backport 'Write intentional drift back into Git, at the line that declares each value, proven by a re-audit'
            cand completions 'Print the shell completion script for SHELL (bash, zsh, fish, powershell, elvish)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'driftctl;help;diff'= {
        }
        &'driftctl;help;render'= {
        }
        &'driftctl;help;backport'= {
        }
        &'driftctl;help;completions'= {
        }
        &'driftctl;help;help'= {
        }
    ]
    $completions[$command]
}
