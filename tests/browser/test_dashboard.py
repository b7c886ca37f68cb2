"""The dashboard at ``/`` in a real headless browser (Debian's chromium driven through chromedriver by
Selenium), against the real agent process over the fake Kubernetes API serving the demo cluster.

What is on the page is checked against what the agent's API answers for the same cluster: the problem pods,
the node bars, a pending pod's explanation and health score. Then the data behind the agent changes (a pod
removed from the fake API) and the page follows; the fake API fails (the agent answers 503, or 504 at its
deadline) and the page says so and recovers; the agent stops and the page says it is not answering. In
token mode the page asks for a token, keeps it in sessionStorage only, and sends it.

``make test`` installs chromium and chromium-driver with apt-get when they are missing (as root, as in CI).
Without them these tests are skipped with the reason, except under CI (``CI`` set), where that fails.
One screenshot is kept as an artifact: ``out/dashboard.png``.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import httpx
import pytest

import agentproc
from agentproc import Agent
from fakeapi import FakeKubeAPI

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "out"
CHROMIUM = next((p for p in map(shutil.which, ("chromium", "chromium-browser")) if p), None)
CHROMEDRIVER = shutil.which("chromedriver")
POLL = "?interval=500"  # the page's poll period (ms), shorter than its 2 s default, for the tests
WAIT = 20.0  # upper bound of every wait for the page (never an assertion about time)
TTL = "1s"


def _browser_or_skip() -> None:
    missing = [name for name, path in (("chromium", CHROMIUM), ("chromedriver", CHROMEDRIVER)) if not path]
    if not missing:
        return
    reason = (
        f"browser tests need Debian's chromium and chromium-driver ({' and '.join(missing)} not found); "
        "`make test` installs them with apt-get when it runs as root"
    )
    if os.environ.get("CI"):
        pytest.fail(reason)
    pytest.skip(reason)


# ------------------------------------------------------------------------------------------ agent process
def _index_synced(agent: Agent) -> bool:
    """Past the cluster index's first sync (until then cluster-wide answers are 503; in token mode this
    anonymous request is a 401 and starts nothing)."""
    return httpx.get(agent.url + "/api/v1/cluster/pod-issues", timeout=5).status_code != 503


def start_agent(tmp: Path, kubeconfig: Path, **env: str) -> Agent:
    """The agent in one process, its short TTL and deadline making the page's changes quick to see."""
    env = {"CACHE_TTL": TTL, "REQUEST_DEADLINE": "400ms", **env}
    return agentproc.start_agent(tmp, kubeconfig, workers=None, also=_index_synced, **env)


# ------------------------------------------------------------------------------------------ fixtures
@pytest.fixture(scope="module")
def fake():
    with FakeKubeAPI() as f:
        f.load_demo()
        yield f


@pytest.fixture(scope="module")
def agent(fake, kubeconfig, tmp_path_factory):
    a = start_agent(tmp_path_factory.mktemp("agent"), kubeconfig)
    yield a
    a.stop()


@pytest.fixture(scope="module")
def listing_agent(fake, kubeconfig, tmp_path_factory):
    """An agent without the cluster index (CLUSTER_INDEX=false): its cluster-wide answers LIST per TTL, so a
    failing or slow API reaches the panels as 503/504 (an indexed agent keeps answering from its index)."""
    a = start_agent(tmp_path_factory.mktemp("listing-agent"), kubeconfig, CLUSTER_INDEX="false")
    yield a
    a.stop()


@pytest.fixture(scope="module")
def browser():
    _browser_or_skip()
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1500,1000"):
        opts.add_argument(arg)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=opts)
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture(autouse=True)
def _clean_fake(fake):
    fake.reset_controls()
    yield
    fake.reset_controls()


def wait_for(driver, condition, what: str):
    from selenium.common.exceptions import StaleElementReferenceException, TimeoutException
    from selenium.webdriver.support.ui import WebDriverWait

    try:
        return WebDriverWait(
            driver, WAIT, poll_frequency=0.1, ignored_exceptions=(StaleElementReferenceException,)
        ).until(lambda d: condition(d))
    except TimeoutException:
        pytest.fail(
            f"the page never showed {what}; it shows: {driver.find_element('tag name', 'body').text[:3000]}"
        )


def css(driver, selector: str):
    return driver.find_elements("css selector", selector)


def text(driver, selector: str) -> str:
    return driver.execute_script(
        "const e = document.querySelector(arguments[0]); return e ? e.innerText : ''", selector
    )


def click(driver, selector: str) -> None:
    """A real click on the element; found again if the page re-rendered it in between."""
    from selenium.common.exceptions import StaleElementReferenceException

    for _ in range(5):
        try:
            driver.find_element("css selector", selector).click()
            return
        except StaleElementReferenceException:
            continue
    driver.find_element("css selector", selector).click()


# The page re-renders a panel when its data changes: what a test reads of it is read in one script, which runs
# between two of the page's own tasks, never across a re-render (element by element it could go stale).
def issue_rows(driver) -> dict[str, str]:
    rows = driver.execute_script(
        "return [...document.querySelectorAll('#issues tbody tr')].map(tr => [tr.dataset.pod, tr.innerText])"
    )
    return dict((pod, txt) for pod, txt in rows)


def node_bars(driver) -> dict[str, dict]:
    """node -> {"resource/kind": {label, fill, track, over}} and "order": the nodes in page order."""
    return driver.execute_script(
        """
        const out = {order: []};
        for (const node of document.querySelectorAll('#nodes .node')) {
          out.order.push(node.dataset.node);
          const bars = {};
          for (const res of node.querySelectorAll('[data-resource]')) {
            for (const bar of res.querySelectorAll('.bar')) {
              bars[res.dataset.resource + '/' + bar.dataset.kind] = {
                label: bar.getAttribute('aria-label'),
                fill: bar.querySelector('.fill').getBoundingClientRect().width,
                track: bar.querySelector('.track').getBoundingClientRect().width,
                over: bar.classList.contains('over'),
              };
            }
          }
          out[node.dataset.node] = bars;
        }
        return out;
        """
    )


def open_page(driver, agent: Agent) -> None:
    driver.get(agent.url + "/" + POLL)
    wait_for(driver, lambda d: text(d, "#status") == "live" and css(d, "#issues tbody tr"), "live data")


def card(driver, label: str) -> str:
    return driver.execute_script(
        """
        for (const c of document.querySelectorAll('.card'))
          if (c.querySelector('.label').innerText === arguments[0]) return c.querySelector('.value').innerText;
        return '';
        """,
        label,
    )


# ------------------------------------------------------------------------------------------ tests
def test_page_shows_the_problem_pods_and_the_node_bars(browser, agent):
    issues = agent.api("/cluster/pod-issues")
    nodes = agent.api("/nodes/utilization")
    assert issues["problematicPods"] and nodes["nodes"]  # the demo cluster has both to show
    open_page(browser, agent)

    rows = issue_rows(browser)
    assert list(rows) == [f"{p['namespace']}/{p['name']}" for p in issues["problematicPods"]]
    for p in issues["problematicPods"]:
        row = rows[f"{p['namespace']}/{p['name']}"]
        assert p["status"] in row
        assert all(i["type"] in row for i in p["issues"])
    assert card(browser, "problem pods") == str(issues["problematicPodsCount"])
    assert card(browser, "critical issues") == str(issues["criticalIssuesCount"])

    bars = node_bars(browser)
    assert bars["order"] == [n["nodeName"] for n in nodes["nodes"]]
    for n in nodes["nodes"]:
        for resource, used in (
            ("cpu", n["cpuAllocatablePercentage"]),
            ("memory", n["memoryAllocatablePercentage"]),
        ):
            alloc = n["allocated"][resource]
            for kind, value in (
                ("used", used),
                ("requests", alloc["requestsPercentage"]),
                ("limits", alloc["limitsPercentage"]),
            ):
                bar = bars[n["nodeName"]][f"{resource}/{kind}"]
                if value is None:  # a node without a metrics sample says so instead of drawing a bar
                    assert bar["label"] == f"{kind} no sample of allocatable"
                    continue
                assert bar["label"] == f"{kind} {value:.1f}% of allocatable"
                assert bar["fill"] == pytest.approx(bar["track"] * min(value, 100) / 100, abs=1.5)
                assert bar["over"] is (value > 100)
    assert text(browser, "#last-refresh") not in ("", "never")


def test_the_filters_ask_the_agent_and_show_what_it_answers(browser, agent):
    from selenium.webdriver.support.ui import Select

    issues = agent.api("/cluster/pod-issues")
    open_page(browser, agent)
    pods = lambda data: [f"{p['namespace']}/{p['name']}" for p in data["problematicPods"]]  # noqa: E731
    issue_type = issues["summary"][0]["issueType"]
    namespace = issues["namespaces"][0]["namespace"]
    steps = [
        ("issueType", issue_type, f"?issueType={issue_type}"),
        ("severity", "warning", f"?severity=warning&issueType={issue_type}"),
        ("issueType", "", "?severity=warning"),
        ("severity", "", ""),
        ("namespace", namespace, f"?namespace={namespace}"),
        ("namespace", "", ""),
    ]
    for name, value, query in steps:
        Select(browser.find_element("css selector", f"#filter-{name}")).select_by_value(value)
        want = pods(agent.api("/cluster/pod-issues" + query))
        wait_for(
            browser, lambda d, want=want: list(issue_rows(d)) == want, f"the pods of {query or 'no filter'}"
        )
        assert browser.find_element("css selector", "#issues-empty").is_displayed() is (not want)
    assert pods(agent.api(f"/cluster/pod-issues?namespace={namespace}")) != pods(
        issues
    )  # the filter did filter


def test_opening_a_pending_pod_shows_its_explanation(browser, agent):
    issues = agent.api("/cluster/pod-issues")
    pending = [p for p in issues["problematicPods"] if p["phase"] == "Pending"]
    assert pending  # the demo cluster has pending pods
    pod = next((p for p in pending if p["status"] == "Pending"), pending[0])
    base = f"/pods/{pod['namespace']}/{pod['name']}"
    explain = agent.api(base + "/scheduling/explain")
    open_page(browser, agent)

    click(browser, f'#issues tr[data-pod="{pod["namespace"]}/{pod["name"]}"]')
    # the explanation says how long ago the scheduler wrote its message: compare with the agent's answer of the
    # moment (the page and this call share the agent's cache, so they agree once the page has polled it)
    wait_for(
        browser,
        lambda d: text(d, "#explanation") == agent.api(base + "/scheduling/explain")["explanation"],
        "the pod's explanation",
    )
    assert text(browser, "#pod-title") == pod["name"]
    body = text(browser, "#pod-body")
    assert all(s in body for s in explain["suggestions"])
    assert all(n["nodeName"] in body for n in explain["nodeAnalysis"])
    OUT.mkdir(exist_ok=True)
    browser.save_screenshot(str(OUT / "dashboard.png"))

    click(browser, '.tabs [data-tab="health"]')
    wait_for(
        browser,
        lambda d: text(d, ".score .big") == str(agent.api(base + "/health-score")["overallScore"]),
        "the health score",
    )
    assert agent.api(base + "/health-score")["status"] in text(browser, "#pod-body")

    events = agent.api(base + "/failure-events")
    click(browser, '.tabs [data-tab="events"]')
    wait_for(
        browser,
        lambda d: (
            len(css(d, "#pod-body .event")) == len(events["failureEvents"])
            and text(d, "#pod-body").startswith(f"{events['totalEvents']} events")
        ),
        "the failure events",
    )

    describe = agent.api(base + "/describe")
    click(browser, '.tabs [data-tab="describe"]')
    wait_for(browser, lambda d: "Containers" in text(d, "#pod-body").title(), "the describe tab")
    body = text(browser, "#pod-body")
    assert all(c["image"] in body for c in describe["containers"])

    click(browser, "#pod-close")
    wait_for(
        browser,
        lambda d: not d.find_element("css selector", "#pod-panel").is_displayed(),
        "the drawer closed",
    )


def test_the_page_follows_a_change_of_the_cluster_and_polls_with_etags(browser, agent, fake):
    issues = agent.api("/cluster/pod-issues")
    gone = next(p for p in issues["problematicPods"] if p["phase"] == "Running")
    key = f"{gone['namespace']}/{gone['name']}"
    original = next(
        o
        for o in fake.objects("pods")
        if (o["metadata"]["namespace"], o["metadata"]["name"]) == (gone["namespace"], gone["name"])
    )
    open_page(browser, agent)
    assert key in issue_rows(browser)
    before = len(agent.requests())
    fake.remove("Pod", gone["name"], gone["namespace"])
    try:
        wait_for(browser, lambda d: key not in issue_rows(d), f"{key} gone")
        assert card(browser, "problem pods") == str(issues["problematicPodsCount"] - 1)
        assert "data changed" in text(browser, ".refresh")
    finally:
        fake.add(original)
    wait_for(browser, lambda d: key in issue_rows(d), f"{key} back")
    # the page polls with If-None-Match: an unchanged answer came back as a 304 (the node list never changed)
    polls = [r for r in agent.requests()[before:] if r["path"] == "/api/v1/nodes/utilization"]
    assert {r["status"] for r in polls} <= {200, 304}, polls[:5]
    assert [r for r in polls if r["status"] == 304], polls[:5]


@pytest.mark.parametrize(
    "failure, status, code",
    [("fail", 503, "SERVICE_UNAVAILABLE"), ("delay", 504, "REQUEST_TIMEOUT")],
)
def test_the_page_says_when_the_agent_answers_503_or_504_and_recovers(
    browser, listing_agent, fake, failure, status, code
):
    agent = listing_agent
    open_page(browser, agent)
    if failure == "fail":
        fake.fail(r"^/api/v1/(pods|nodes)$", 503)  # the cluster-wide lists behind both panels
    else:
        fake.delay(r"^/api/v1/(pods|nodes)$", 2.0)  # past the agent's 400 ms deadline
    wait_for(browser, lambda d: text(d, "#status") == f"degraded ({status})", f"a {status}")
    banner = text(browser, "#banner")
    assert banner.startswith(f"The agent answered {status} {code}:")
    assert "Showing the data of" in banner
    assert "stale" in browser.find_element("css selector", "body").get_attribute("class")
    assert issue_rows(browser)  # the last data stays on the page, greyed
    fake.reset_controls()
    wait_for(
        browser,
        lambda d: (
            text(d, "#status") == "live" and not d.find_element("css selector", "#banner").is_displayed()
        ),
        "recovery",
    )


def test_the_page_says_when_the_agent_is_gone(browser, kubeconfig, tmp_path):
    agent = start_agent(tmp_path, kubeconfig)
    try:
        open_page(browser, agent)
    finally:
        agent.stop()
    wait_for(browser, lambda d: text(d, "#status") == "agent unreachable", "the agent unreachable")
    assert text(browser, "#banner").startswith("The agent is not answering.")
    assert issue_rows(browser)


# ------------------------------------------------------------------------------------------ token mode
def test_token_mode_asks_for_a_token_and_keeps_it_for_the_tab_only(browser, fake, kubeconfig, tmp_path):
    token, user = "dashboard-browser-token", "system:serviceaccount:mon:dashboard"
    fake.add_user(token, user, ("system:serviceaccounts",))
    fake.allow(user, "list", "pods")
    fake.allow(user, "list", "nodes")
    agent = start_agent(tmp_path, kubeconfig, AUTH_MODE="token")
    try:
        browser.get(agent.url + "/" + POLL)
        wait_for(
            browser,
            lambda d: d.find_element("css selector", "#token-dialog").is_displayed(),
            "the token dialog",
        )
        assert text(browser, "#status") == "token needed"
        assert not css(browser, "#issues tbody tr")
        # dismissed (Escape), the dialog stays closed while the page keeps polling; the token button reopens it
        from selenium.webdriver.common.keys import Keys

        browser.find_element("css selector", "#token-input").send_keys(Keys.ESCAPE)
        refused = len([r for r in agent.requests() if r["status"] == 401])
        wait_for(
            browser,
            lambda d: len([r for r in agent.requests() if r["status"] == 401]) >= refused + 4,
            "two more polls refused",
        )
        assert not browser.find_element("css selector", "#token-dialog").is_displayed()
        assert text(browser, "#status") == "token needed"
        click(browser, "#token-button")
        wait_for(
            browser,
            lambda d: d.find_element("css selector", "#token-dialog").is_displayed(),
            "the dialog again",
        )
        browser.find_element("css selector", "#token-input").send_keys("not-a-real-token")
        click(browser, "#token-save")
        wait_for(browser, lambda d: "refused this token" in text(d, "#token-error"), "the token refused")
        field = browser.find_element("css selector", "#token-input")
        field.clear()
        field.send_keys(token)
        click(browser, "#token-save")
        wait_for(
            browser,
            lambda d: text(d, "#status") == "live" and css(d, "#issues tbody tr"),
            "data with the token",
        )
        assert browser.execute_script("return sessionStorage.getItem('k8s-agent-token')") == token
        assert browser.execute_script("return localStorage.length") == 0
        assert browser.execute_script("return document.cookie") == ""
        sent = [r for r in fake.requests_for(group="authentication.k8s.io")]
        assert sent  # the agent reviewed the token the page sent
    finally:
        browser.execute_script("sessionStorage.clear()")
        agent.stop()
