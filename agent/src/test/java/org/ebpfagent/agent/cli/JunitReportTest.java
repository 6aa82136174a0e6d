package org.ebpfagent.agent.cli;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

import javax.xml.parsers.DocumentBuilderFactory;

import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class JunitReportTest {
    static final String NASTY = "evil <\"pool\"> & 'co' |\u0001\t-1";

    /** base and head: a regressed spinner group, a steady group with a nasty name, a small group, a group only in head. */
    static Comparison comparison(Thresholds t) {
        SchedRecording base = new SchedRecording();
        SchedRecording head = new SchedRecording();
        base.add("spinner-#", true, 1, 900_000_000, 100_000_000, 0, 10, 100, 1);   // waitShare 10%
        head.add("spinner-#", true, 1, 400_000_000, 600_000_000, 0, 10, 300, 1);   // waitShare 60%
        base.add(NASTY, true, 2, 500_000_000, 50_000_000, 500_000_000, 100, 10, 0);
        head.add(NASTY, true, 2, 500_000_000, 50_000_000, 500_000_000, 100, 10, 0);
        base.add("tiny", false, 3, 1_000_000, 0, 999_000_000, 5, 0, 0);
        head.add("tiny", false, 3, 1_000_000, 9_000_000, 990_000_000, 5, 9, 0);     // waitShare 0% -> 90%, under the floor
        head.add("hog-#", true, 4, 500_000_000, 500_000_000, 0, 0, 50, 0);
        return Comparison.of("base.jfr", base, "head & co.jfr", head, t);
    }

    @Test
    void theXmlParsesBackWithOneTestcasePerGroupAndGatedMetric() throws Exception {
        Thresholds t = new Thresholds();
        t.add("waitShare=+10pp,runQueueWait=+50%");
        String xml = JunitReport.xml(comparison(t));
        Document doc = DocumentBuilderFactory.newInstance().newDocumentBuilder()
                .parse(new ByteArrayInputStream(xml.getBytes(StandardCharsets.UTF_8)));

        Element suite = (Element) doc.getElementsByTagName("testsuite").item(0);
        assertEquals("ebpf-agent compare", suite.getAttribute("name"));
        NodeList cases = doc.getElementsByTagName("testcase");
        assertEquals(5 * 2, cases.getLength(), "(process), spinner-#, the nasty group, tiny, hog-#; two metrics each");
        assertEquals("10", suite.getAttribute("tests"));

        Map<String, Element> byName = new HashMap<>();
        for (int i = 0; i < cases.getLength(); i++) {
            Element c = (Element) cases.item(i);
            byName.put(c.getAttribute("classname") + " " + c.getAttribute("name"), c);
        }
        assertTrue(byName.containsKey(NASTY.replace('\u0001', '\uFFFD') + " waitShare"),
                "a name with XML's specials round-trips; a control character XML cannot hold becomes U+FFFD: " + byName.keySet());
        assertFailed(byName.get("spinner-# waitShare"), "spinner-# waitShare 10.0 -> 60.0 % (+50.0pp), limit +10pp");
        assertFailed(byName.get("spinner-# runQueueWait"), "spinner-# runQueueWait");
        assertFailed(byName.get("(process) waitShare"), "(process) waitShare");
        assertFailed(byName.get("(process) runQueueWait"), "(process) runQueueWait");
        assertEquals(0, byName.get(NASTY.replace('\u0001', '\uFFFD') + " waitShare").getChildNodes().getLength(), "a pass is an empty testcase");
        assertTrue(skipped(byName.get("tiny waitShare")).startsWith("below the noise floor"), "tiny");
        assertEquals("only in head: nothing to compare", skipped(byName.get("hog-# waitShare")));

        assertEquals("4", suite.getAttribute("failures"));
        assertEquals("4", suite.getAttribute("skipped"));
        assertEquals("head & co.jfr", ((Element) doc.getElementsByTagName("property").item(1)).getAttribute("value"));
        String out = doc.getElementsByTagName("system-out").item(0).getTextContent();
        assertTrue(out.startsWith("ebpf-agent compare: REGRESSION, 4 of 10 gated checks over their limit\n"), out);
    }

    @Test
    void withoutThresholdsTheSuiteIsEmptyButWellFormed() throws Exception {
        String xml = JunitReport.xml(comparison(new Thresholds()));
        Document doc = DocumentBuilderFactory.newInstance().newDocumentBuilder()
                .parse(new ByteArrayInputStream(xml.getBytes(StandardCharsets.UTF_8)));
        assertEquals(0, doc.getElementsByTagName("testcase").getLength());
        assertEquals("0", ((Element) doc.getElementsByTagName("testsuite").item(0)).getAttribute("tests"));
    }

    private static void assertFailed(Element testcase, String messageStart) {
        NodeList f = testcase.getElementsByTagName("failure");
        assertEquals(1, f.getLength(), testcase.getAttribute("classname") + " " + testcase.getAttribute("name") + " failed");
        String message = ((Element) f.item(0)).getAttribute("message");
        assertTrue(message.startsWith(messageStart), message);
    }

    private static String skipped(Element testcase) {
        return ((Element) testcase.getElementsByTagName("skipped").item(0)).getAttribute("message");
    }
}
