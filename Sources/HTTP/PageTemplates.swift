/// The pages' Mustache templates and style sheet, compiled into the binary: the status page needs
/// no files beside it and loads nothing from other hosts. `{{…}}` escapes HTML; `{{{…}}}` is
/// used only for HTML this module rendered itself.
enum PageTemplates {
    static let all: [String: String] = [
        "layout": layout, "overview": overview, "messages": messages, "message": message,
        "domains": domains, "domain": domain, "reports": reports, "report": report, "reportsIn": reportsIn,
        "reportsInDomain": reportsInDomain, "setup": setup, "error": error,
    ]

    static let layout = """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>{{title}} · dmarcd</title>
        <link rel="stylesheet" href="/static/dmarcd.css">
        <link rel="icon" href="/static/favicon.svg" type="image/svg+xml">
        </head>
        <body>
        <header>
        <a class="brand" href="/">dmarcd</a>
        <nav>
        <a href="/"{{#overview}} aria-current="page"{{/overview}}>Overview</a>
        <a href="/messages"{{#messages}} aria-current="page"{{/messages}}>Messages</a>
        <a href="/domains"{{#domains}} aria-current="page"{{/domains}}>Domains</a>
        <a href="/reports"{{#reports}} aria-current="page"{{/reports}}>Reports out</a>
        <a href="/reports-in"{{#reportsIn}} aria-current="page"{{/reportsIn}}>Reports in</a>
        <a href="/setup"{{#setup}} aria-current="page"{{/setup}}>Setup</a>
        </nav>
        </header>
        <main>
        <h1>{{title}}</h1>
        {{{body}}}
        </main>
        <footer>dmarcd {{version}} · {{host}} · times in UTC · <a href="/api/v1/overview">JSON</a> · <a href="/metrics">metrics</a> · <a href="/healthz">health</a></footer>
        </body>
        </html>

        """

    static let counts = """
        <table class="counts">
        <tr><th>Messages</th><td>{{messages}}</td></tr>
        <tr><th>DMARC pass</th><td class="pass">{{pass}} <small>{{passShare}}</small></td></tr>
        <tr><th>DMARC fail</th><td class="fail">{{fail}} <small>{{failShare}}</small></td></tr>
        <tr><th>No policy</th><td class="none">{{none}} <small>{{noneShare}}</small></td></tr>
        <tr><th>Errors</th><td class="error">{{error}}</td></tr>
        <tr><th>Quarantined</th><td>{{quarantined}}</td></tr>
        <tr><th>Rejected</th><td>{{rejected}}</td></tr>
        </table>
        """

    /// A domain's pass rates and messages, day by day.
    static let dailyCharts = """
        <section>
        <h2>Pass rates, day by day</h2>
        {{{rateChart}}}
        <h2>Messages, day by day</h2>
        {{{chart}}}
        </section>
        """

    static let overview = """
        <section class="cards">
        {{#periods}}
        <div class="card"><h2>{{label}}</h2>\(counts)</div>
        {{/periods}}
        <div class="card health {{#healthy}}healthy{{/healthy}}{{^healthy}}unhealthy{{/healthy}}">
        <h2>Health</h2>
        {{#healthy}}<p class="status">Healthy</p>{{/healthy}}
        {{^healthy}}<ul class="problems">{{#problems}}<li>{{.}}</li>{{/problems}}</ul>{{/healthy}}
        <table class="counts">
        <tr><th>Version</th><td>{{version}}</td></tr>
        <tr><th>Up</th><td>{{uptime}}</td></tr>
        <tr><th>DNS</th><td>{{dns}}</td></tr>
        <tr><th>Database</th><td>{{database}} <small>{{databaseSize}}</small></td></tr>
        <tr><th>Writer queue</th><td>{{queue}}</td></tr>
        <tr><th>Last commit</th><td>{{lastCommit}}</td></tr>
        <tr><th>Last report run</th><td>{{lastReportRun}}</td></tr>
        </table>
        </div>
        </section>
        <section>
        <h2>The last 30 days</h2>
        {{{chart}}}
        </section>
        <section class="columns">
        <div>
        <h2>Top sending domains</h2>
        <table class="list">
        <thead><tr><th>From domain</th><th class="number">Messages</th><th class="number">DMARC pass</th></tr></thead>
        <tbody>
        {{#topDomains}}<tr><td><a href="/domains/{{key}}">{{key}}</a></td><td class="number">{{messages}}</td><td class="number">{{passShare}}</td></tr>{{/topDomains}}
        {{^topDomains}}<tr><td colspan="3" class="empty">No messages in the last 30 days.</td></tr>{{/topDomains}}
        </tbody>
        </table>
        </div>
        <div>
        <h2>Top failing sources</h2>
        <table class="list">
        <thead><tr><th>Client</th><th class="number">DMARC fail</th><th class="number">Messages</th></tr></thead>
        <tbody>
        {{#topFailingSources}}<tr><td><a href="/messages?ip={{key}}&amp;result=fail">{{key}}</a></td><td class="number">{{fail}}</td><td class="number">{{messages}}</td></tr>{{/topFailingSources}}
        {{^topFailingSources}}<tr><td colspan="3" class="empty">No DMARC failures in the last 30 days.</td></tr>{{/topFailingSources}}
        </tbody>
        </table>
        </div>
        </section>
        """

    static let messages = """
        <form class="filter" method="get" action="/messages">
        <label>From <input type="date" name="since" value="{{since}}"></label>
        <label>Until <input type="date" name="until" value="{{until}}"></label>
        <label>Domain <input type="text" name="domain" value="{{domain}}" placeholder="example.com"></label>
        <label>Client <input type="text" name="ip" value="{{ip}}" placeholder="192.0.2.1"></label>
        <label>DMARC <select name="result">{{#results}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{label}}</option>{{/results}}</select></label>
        <label>Disposition <select name="disposition">{{#dispositions}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{label}}</option>{{/dispositions}}</select></label>
        <button type="submit">Filter</button>
        <a href="/messages">Clear</a>
        </form>
        {{#problem}}<p class="problem">{{problem}}</p>{{/problem}}
        <table class="list messages">
        <thead><tr><th>Time</th><th>From</th><th>Subject</th><th>Client</th><th>SPF</th><th>DKIM</th><th>DMARC</th><th>Disposition</th></tr></thead>
        <tbody>
        {{#rows}}<tr>
        <td><a href="/messages/{{id}}">{{time}}</a></td>
        <td><span class="domain">{{fromDomain}}</span><br><small>{{from}}</small></td>
        <td>{{subject}}</td>
        <td>{{clientIP}}</td>
        <td class="{{spf}}">{{spf}}</td>
        <td class="{{dkim}}">{{dkim}}</td>
        <td class="{{dmarc}}">{{dmarc}}</td>
        <td>{{disposition}}</td>
        </tr>{{/rows}}
        {{^rows}}<tr><td colspan="8" class="empty">No messages match.</td></tr>{{/rows}}
        </tbody>
        </table>
        <p class="pager">{{#newest}}<a href="{{newest}}">Newest</a>{{/newest}} {{#older}}<a href="{{older}}">Older →</a>{{/older}}</p>
        """

    static let message = """
        <section class="columns">
        <div>
        <h2>Why</h2>
        <pre class="explanation">{{explanation}}</pre>
        <h2>Envelope and header</h2>
        <table class="counts">
        <tr><th>Time</th><td>{{time}}</td></tr>
        <tr><th>Queue id</th><td>{{queueID}}</td></tr>
        <tr><th>Client</th><td><a href="/messages?ip={{clientIP}}">{{clientIP}}</a></td></tr>
        <tr><th>HELO</th><td>{{helo}}</td></tr>
        <tr><th>MAIL FROM domain</th><td>{{mailFromDomain}}</td></tr>
        <tr><th>Recipient domains</th><td>{{recipientDomains}}</td></tr>
        <tr><th>From</th><td>{{from}}</td></tr>
        <tr><th>From domain</th><td>{{#headerFromDomain}}<a href="/domains/{{headerFromDomain}}">{{headerFromDomain}}</a>{{/headerFromDomain}}</td></tr>
        <tr><th>Subject</th><td>{{subject}}</td></tr>
        </table>
        </div>
        <div>
        <h2>Verdict</h2>
        <table class="counts">
        <tr><th>DMARC</th><td class="{{dmarc}}">{{dmarc}}</td></tr>
        <tr><th>Aligned SPF pass</th><td>{{spfAligned}}</td></tr>
        <tr><th>Aligned DKIM pass</th><td>{{dkimAligned}}</td></tr>
        <tr><th>Policy asked for</th><td>{{requestedDisposition}}</td></tr>
        <tr><th>Done</th><td>{{disposition}}</td></tr>
        <tr><th>Override</th><td>{{overrideReason}} {{overrideComment}}</td></tr>
        <tr><th>SPF</th><td class="{{spfResult}}">{{spfResult}} {{spfDetail}}</td></tr>
        <tr><th>ARC</th><td>{{arc}}</td></tr>
        </table>
        <h2>DKIM signatures</h2>
        <table class="list">
        <thead><tr><th>Domain</th><th>Selector</th><th>Result</th><th>Key</th><th>Reason</th></tr></thead>
        <tbody>
        {{#dkim}}<tr><td>{{domain}}</td><td>{{selector}}</td><td class="{{result}}">{{result}}</td><td>{{keyBits}}</td><td>{{reason}}</td></tr>{{/dkim}}
        {{^dkim}}<tr><td colspan="5" class="empty">None.</td></tr>{{/dkim}}
        </tbody>
        </table>
        <h2>Policy</h2>
        {{#policy}}<p>{{domain}}: <code>p={{p}} sp={{sp}} adkim={{adkim}} aspf={{aspf}}</code> {{#testing}}(testing){{/testing}}</p>{{/policy}}
        {{^policy}}<p>No DMARC policy was found.</p>{{/policy}}
        </div>
        </section>
        """

    static let domains = """
        <p>From domains with mail in the last 30 days ({{total}}), busiest first.</p>
        <table class="list">
        <thead><tr><th>From domain</th><th class="number">Messages</th><th class="number">DMARC pass</th><th class="number">SPF aligned</th><th class="number">DKIM aligned</th><th class="number">Fail</th></tr></thead>
        <tbody>
        {{#rows}}<tr><td><a href="/domains/{{key}}">{{key}}</a></td><td class="number">{{messages}}</td><td class="number">{{passShare}}</td><td class="number">{{spfShare}}</td><td class="number">{{dkimShare}}</td><td class="number">{{fail}}</td></tr>{{/rows}}
        {{^rows}}<tr><td colspan="6" class="empty">No messages in the last 30 days.</td></tr>{{/rows}}
        </tbody>
        </table>
        <p class="pager">{{#newer}}<a href="{{newer}}">← Busier</a>{{/newer}} {{#older}}<a href="{{older}}">Quieter →</a>{{/older}}</p>
        """

    static let domain = """
        <section class="cards">
        <div class="card"><h2>Last 30 days</h2>\(counts)</div>
        <div class="card"><h2>Published policy</h2>
        {{#policy}}<table class="counts">
        <tr><th>Found at</th><td>{{policyDomain}}</td></tr>
        <tr><th>Policy</th><td>p={{p}} sp={{sp}} np={{np}}</td></tr>
        <tr><th>Alignment</th><td>adkim={{adkim}} aspf={{aspf}}</td></tr>
        <tr><th>Testing</th><td>{{testing}}</td></tr>
        <tr><th>Reports to</th><td>{{rua}}</td></tr>
        <tr><th>Seen</th><td>{{seen}}</td></tr>
        </table>{{/policy}}
        {{^policy}}<p>None of its messages found a DMARC policy.</p>{{/policy}}
        <p><a href="/messages?domain={{domain}}">Its messages</a></p>
        </div>
        </section>
        \(dailyCharts)
        <section>
        <h2>Sources</h2>
        <table class="list">
        <thead><tr><th>Client</th><th class="number">Messages</th><th class="number">DMARC pass</th><th class="number">SPF aligned</th><th class="number">DKIM aligned</th></tr></thead>
        <tbody>
        {{#sources}}<tr><td><a href="/messages?domain={{domain}}&amp;ip={{key}}">{{key}}</a></td><td class="number">{{messages}}</td><td class="number">{{passShare}}</td><td class="number">{{spfShare}}</td><td class="number">{{dkimShare}}</td></tr>{{/sources}}
        {{^sources}}<tr><td colspan="5" class="empty">No messages in the last 30 days.</td></tr>{{/sources}}
        </tbody>
        </table>
        </section>
        """

    static let reports = """
        <p>Last report run: {{lastRun}}</p>
        <p class="states">Deliveries: {{#states}}<a href="/reports{{#state}}?state={{state}}{{/state}}"{{#selected}} aria-current="page"{{/selected}}>{{label}} {{count}}</a> {{/states}}</p>
        <table class="list">
        <thead><tr><th>Policy domain</th><th>Kind</th><th>Window</th><th class="number">Messages</th><th class="number">Size</th><th>State</th><th>Deliveries</th></tr></thead>
        <tbody>
        {{#rows}}<tr>
        <td><a href="/reports/{{id}}">{{policyDomain}}</a><br><small>{{reportID}}</small></td>
        <td>{{kind}}</td>
        <td>{{window}}</td>
        <td class="number">{{messages}}</td>
        <td class="number">{{size}}</td>
        <td class="{{state}}">{{state}}</td>
        <td>{{#deliveries}}<div>{{destination}}: <span class="{{state}}">{{state}}</span> <small>{{when}} {{error}}</small></div>{{/deliveries}}</td>
        </tr>{{/rows}}
        {{^rows}}<tr><td colspan="7" class="empty">No reports in the outbox.</td></tr>{{/rows}}
        </tbody>
        </table>
        <p class="pager">{{#older}}<a href="{{older}}">Older →</a>{{/older}}</p>
        """

    static let report = """
        <table class="counts">
        <tr><th>Policy domain</th><td>{{policyDomain}}</td></tr>
        <tr><th>Kind</th><td>{{kind}}</td></tr>
        <tr><th>Report-ID</th><td>{{reportID}}</td></tr>
        <tr><th>{{windowLabel}}</th><td>{{window}}</td></tr>
        <tr><th>Built</th><td>{{created}}</td></tr>
        <tr><th>Messages</th><td>{{messages}}</td></tr>
        <tr><th>File</th><td><a href="/reports/{{id}}/file">{{fileName}}</a> <small>{{size}}</small></td></tr>
        <tr><th>State</th><td class="{{state}}">{{state}}</td></tr>
        </table>
        <h2>Deliveries</h2>
        <table class="list">
        <thead><tr><th>Destination</th><th>State</th><th class="number">Attempts</th><th>When</th><th>Last error</th></tr></thead>
        <tbody>
        {{#deliveries}}<tr><td>{{destination}}</td><td class="{{state}}">{{state}}</td><td class="number">{{attempts}}</td><td>{{when}}</td><td>{{error}}</td></tr>{{/deliveries}}
        </tbody>
        </table>
        <h2>{{contentTitle}}</h2>
        <pre class="xml">{{content}}</pre>
        """

    static let reportsIn = """
        <p>What receivers report about our domains: the aggregate reports whose window ended in the last 30 days.</p>
        <table class="list">
        <thead><tr><th>Domain</th><th class="number">Reports</th><th class="number">Reporters</th><th class="number">Sources</th><th class="number">Messages</th><th class="number">DMARC pass</th><th class="number">SPF aligned</th><th class="number">DKIM aligned</th><th class="number">Fail</th></tr></thead>
        <tbody>
        {{#rows}}<tr><td><a href="/reports-in/{{domain}}">{{domain}}</a></td><td class="number">{{reports}}</td><td class="number">{{reporters}}</td><td class="number">{{sources}}</td><td class="number">{{messages}}</td><td class="number">{{passShare}}</td><td class="number">{{spfShare}}</td><td class="number">{{dkimShare}}</td><td class="number">{{fail}}</td></tr>{{/rows}}
        {{^rows}}<tr><td colspan="9" class="empty">No reports received in the last 30 days. Reports mailed to a ReportMailbox address, or given to <code>dmarcd ingest</code>, appear here.</td></tr>{{/rows}}
        </tbody>
        </table>
        """

    static let setup = """
        {{#unconfigured}}<p class="empty">No domain to check: set ReportEmail (or ReportMailbox) in dmarcd.conf, or run <code>dmarcd doctor DOMAIN</code>.</p>{{/unconfigured}}
        {{^unconfigured}}<p>What <code>dmarcd doctor</code> finds in this site's DNS records and Postfix settings, checked {{checkedAt}}: <strong>{{errors}}</strong> errors, <strong>{{warnings}}</strong> warnings. The checks run again at most every five minutes.</p>
        {{#groups}}<h2>{{title}}</h2>
        <table class="list setup">
        <thead><tr><th>Level</th><th>Finding</th><th>Check</th></tr></thead>
        <tbody>
        {{#findings}}<tr class="{{level}}"><td class="{{level}}">{{level}}</td><td>{{summary}}{{#why}}<br><small>{{why}}</small>{{/why}}{{#fix}}<br><code>{{fix}}</code>{{/fix}}</td><td><small>{{check}}</small></td></tr>{{/findings}}
        </tbody>
        </table>{{/groups}}{{/unconfigured}}
        """

    static let reportsInDomain = """
        <section class="cards">
        <div class="card"><h2>Last 30 days</h2>
        <table class="counts">
        <tr><th>Messages</th><td>{{messages}}</td></tr>
        <tr><th>DMARC pass</th><td class="pass">{{pass}} <small>{{passShare}}</small></td></tr>
        <tr><th>DMARC fail</th><td class="fail">{{fail}} <small>{{failShare}}</small></td></tr>
        <tr><th>SPF aligned</th><td>{{spfShare}}</td></tr>
        <tr><th>DKIM aligned</th><td>{{dkimShare}}</td></tr>
        <tr><th>Quarantined</th><td>{{quarantined}}</td></tr>
        <tr><th>Rejected</th><td>{{rejected}}</td></tr>
        </table></div>
        <div class="card"><h2>Published policy</h2>
        {{#policy}}<table class="counts">
        <tr><th>Policy</th><td>p={{p}} sp={{sp}}</td></tr>
        <tr><th>Percentage</th><td>{{pct}}</td></tr>
        <tr><th>Alignment</th><td>adkim={{adkim}} aspf={{aspf}}</td></tr>
        <tr><th>Testing</th><td>{{testing}}</td></tr>
        <tr><th>As reported by</th><td>{{reporter}}</td></tr>
        </table>{{/policy}}
        </div>
        <div class="card"><h2>If the policy were reject</h2>
        <p><strong>{{wouldBeRejected}}</strong> messages ({{wouldBeRejectedShare}}) failed DMARC: with <code>p=reject</code> receivers would have rejected them, unless they let forwarded mail through. Sources with failures: {{failingSourceCount}}.</p>
        {{#policy}}{{#enforced}}<p>The domain already publishes p=reject.</p>{{/enforced}}{{/policy}}
        <p>Before moving to reject, make sure every source of your own mail below passes SPF or DKIM aligned; sources that are mailing lists or forwarders show override reasons.</p>
        </div>
        </section>
        \(dailyCharts)
        <section>
        <h2>Sources that would be rejected</h2>
        <table class="list">
        <thead><tr><th>Source</th><th class="number">Failed</th><th class="number">Messages</th><th>Reported by</th><th>Override reasons</th><th>First seen</th></tr></thead>
        <tbody>
        {{#failingSources}}<tr><td>{{sourceIP}}{{#isNew}} <span class="new">new</span>{{/isNew}}</td><td class="number fail">{{fail}}</td><td class="number">{{messages}}</td><td>{{reporters}}</td><td>{{overrides}}</td><td>{{firstSeen}}</td></tr>{{/failingSources}}
        {{^failingSources}}<tr><td colspan="6" class="empty">Every reported message passed DMARC.</td></tr>{{/failingSources}}
        </tbody>
        </table>
        <h2>All sources</h2>
        <table class="list">
        <thead><tr><th>Source</th><th class="number">Messages</th><th class="number">DMARC pass</th><th class="number">SPF aligned</th><th class="number">DKIM aligned</th><th>Reported by</th><th>First seen</th></tr></thead>
        <tbody>
        {{#sources}}<tr><td>{{sourceIP}}{{#isNew}} <span class="new">new</span>{{/isNew}}</td><td class="number">{{messages}}</td><td class="number">{{passShare}}</td><td class="number">{{spfShare}}</td><td class="number">{{dkimShare}}</td><td>{{reporters}}</td><td>{{firstSeen}}</td></tr>{{/sources}}
        {{^sources}}<tr><td colspan="7" class="empty">No reports about this domain in the last 30 days.</td></tr>{{/sources}}
        </tbody>
        </table>
        </section>
        """

    static let error = """
        <p class="problem">{{message}}</p>
        <p><a href="/">Back to the overview</a></p>
        """

    static let favicon = """
        <svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><rect width="16" height="16" rx="3" fill="#1f5f8b"/><path d="M4 8l3 3 5-6" stroke="#fff" stroke-width="2" fill="none"/></svg>

        """

    static let styleSheet = """
        :root { --pass: #2e7d32; --fail: #c62828; --none: #757575; --error: #ef6c00; --line: #d0d7de; --ink: #1f2328; --muted: #656d76; }
        * { box-sizing: border-box; }
        body { margin: 0; font: 15px/1.45 system-ui, sans-serif; color: var(--ink); background: #f6f8fa; }
        header { display: flex; gap: 2rem; align-items: center; padding: .6rem 1.5rem; background: #1f5f8b; }
        header a { color: #fff; text-decoration: none; }
        header .brand { font-weight: 700; font-size: 1.1rem; }
        nav { display: flex; gap: 1.2rem; }
        nav a[aria-current] { border-bottom: 2px solid #fff; }
        main { padding: 1rem 1.5rem; max-width: 90rem; }
        h1 { font-size: 1.4rem; margin: .3rem 0 1rem; }
        h2 { font-size: 1.05rem; margin: 1rem 0 .5rem; }
        footer { padding: 1rem 1.5rem; color: var(--muted); font-size: .85rem; }
        a { color: #0b5cad; }
        .cards { display: flex; flex-wrap: wrap; gap: 1rem; }
        .card { background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: .2rem 1rem .8rem; min-width: 15rem; }
        .card.unhealthy { border-color: var(--fail); }
        .status { color: var(--pass); font-weight: 600; }
        .problems { color: var(--fail); padding-left: 1.2rem; }
        .columns { display: grid; grid-template-columns: repeat(auto-fit, minmax(26rem, 1fr)); gap: 1.5rem; }
        table { border-collapse: collapse; background: #fff; }
        table.list { width: 100%; border: 1px solid var(--line); }
        table.list th, table.list td { padding: .3rem .6rem; border-bottom: 1px solid var(--line); text-align: left; vertical-align: top; }
        table.list thead th { background: #eef1f4; }
        table.counts th { text-align: left; font-weight: normal; color: var(--muted); padding: .1rem 1rem .1rem 0; }
        table.counts td { padding: .1rem 0; }
        .number { text-align: right !important; font-variant-numeric: tabular-nums; }
        .empty { color: var(--muted); font-style: italic; }
        .pass { color: var(--pass); }
        .fail, .permerror, .softfail { color: var(--fail); }
        .temperror, .error { color: var(--error); }
        .none, .neutral { color: var(--none); }
        table.setup td.ok { color: var(--pass); }
        table.setup td.warn { color: var(--error); font-weight: 600; }
        table.setup td.error { color: var(--fail); font-weight: 600; }
        table.setup code { white-space: pre-wrap; word-break: break-all; }
        small { color: var(--muted); }
        .filter { display: flex; flex-wrap: wrap; gap: .6rem 1rem; align-items: end; margin-bottom: 1rem; }
        .filter label { display: flex; flex-direction: column; font-size: .85rem; color: var(--muted); }
        .filter input, .filter select, .filter button { font: inherit; padding: .2rem .4rem; }
        .problem { color: var(--fail); }
        .pager a { margin-right: 1rem; }
        pre.explanation, pre.xml { background: #fff; border: 1px solid var(--line); padding: .6rem; white-space: pre-wrap; }
        pre.xml { font-size: .8rem; max-height: 40rem; overflow: auto; }
        .states a { margin-right: .8rem; }
        .states a[aria-current] { font-weight: 700; }
        .new { font-size: .75rem; padding: 0 .3rem; border-radius: .2rem; background: var(--error); color: #fff; }
        svg.chart { background: #fff; border: 1px solid var(--line); max-width: 100%; height: auto; }
        svg.chart text { font: 11px system-ui, sans-serif; fill: var(--muted); }
        svg.chart .grid { stroke: var(--line); }
        svg.chart .bar-pass { fill: var(--pass); }
        svg.chart .bar-fail { fill: var(--fail); }
        svg.chart .bar-none { fill: #9e9e9e; }
        svg.chart .bar-error { fill: var(--error); }
        svg.chart .line { fill: none; stroke-width: 2; }
        svg.chart .line-dmarc { stroke: #1f5f8b; }
        svg.chart .line-spf { stroke: #8e24aa; }
        svg.chart .line-dkim { stroke: #00897b; }
        svg.chart .key-dmarc { fill: #1f5f8b; }
        svg.chart .key-spf { fill: #8e24aa; }
        svg.chart .key-dkim { fill: #00897b; }

        """
}
