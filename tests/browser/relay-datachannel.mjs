// Two RTCPeerConnections in one headless Chromium page, relay only, with one TURN server as their
// only ICE server: they open a DataChannel through it and send messages both ways. Prints one JSON
// object: the selected candidate pair as Chromium's getStats() reports it, and what arrived.
//
//   node relay-datachannel.mjs '{"url":"turn:127.0.0.1:3478?transport=udp","username":"u","credential":"p","messages":50}'
import { chromium } from 'playwright-core';

const input = JSON.parse(process.argv[2]);
const executablePath = process.env.CHROMIUM ?? '/usr/bin/chromium';

// Chromium leaves the loopback interface out of the networks WebRTC gathers on: where it is the only
// interface (a bare network namespace) nothing is gathered without --allow-loopback-in-peer-connection;
// with another interface up, the TURN socket opens on that one and still reaches 127.0.0.1.
// Without --ignore-certificate-errors a turns: server with the test's self-signed certificate fails
// with ICE error 701. --no-sandbox because CI runs as root.
const browser = await chromium.launch({
  executablePath,
  headless: true,
  args: ['--allow-loopback-in-peer-connection', '--ignore-certificate-errors', '--no-sandbox'],
  timeout: 30000,
});

let result;
try {
  const page = await browser.newPage();
  result = await page.evaluate(runInPage, input);
} catch (error) {
  result = { error: String(error) };
} finally {
  await browser.close();
}

console.log(JSON.stringify(result));

async function runInPage({ url, username, credential, messages, timeoutMs = 20000 }) {
  const config = { iceServers: [{ urls: [url], username, credential }], iceTransportPolicy: 'relay' };
  const offerer = new RTCPeerConnection(config);
  const answerer = new RTCPeerConnection(config);
  const within = (promise, what) => Promise.race([
    promise,
    new Promise((_, reject) => setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), timeoutMs)),
  ]);
  const gathered = { offerer: [], answerer: [] };
  offerer.onicecandidate = e => { if (e.candidate) { gathered.offerer.push(e.candidate.candidate); answerer.addIceCandidate(e.candidate); } };
  answerer.onicecandidate = e => { if (e.candidate) { gathered.answerer.push(e.candidate.candidate); offerer.addIceCandidate(e.candidate); } };
  const errors = [];
  offerer.onicecandidateerror = e => errors.push(`${e.url} ${e.errorCode} ${e.errorText}`);
  answerer.onicecandidateerror = e => errors.push(`${e.url} ${e.errorCode} ${e.errorText}`);

  // Unreliable and unordered, so SCTP does not retransmit: a datagram the relay drops stays lost.
  const sending = offerer.createDataChannel('relay-test', { ordered: false, maxRetransmits: 0 });
  const receivingChannel = new Promise(resolve => { answerer.ondatachannel = e => resolve(e.channel); });
  const opened = channel => channel.readyState === 'open' ? Promise.resolve() : new Promise(resolve => channel.addEventListener('open', resolve, { once: true }));

  try {
    await offerer.setLocalDescription();
    await answerer.setRemoteDescription(offerer.localDescription);
    await answerer.setLocalDescription();
    await offerer.setRemoteDescription(answerer.localDescription);
    const receiving = await within(receivingChannel, 'the DataChannel to reach the answerer');
    await within(Promise.all([opened(sending), opened(receiving)]), 'the DataChannel to open');

    const exchange = async (from, to) => {
      const arrived = new Set();
      const all = new Promise(resolve => {
        to.onmessage = e => { arrived.add(e.data); if (arrived.size === messages) resolve(); };
      });
      for (let i = 0; i < messages; i++) {
        from.send(`message ${i} ${'x'.repeat(200)}`);
        await new Promise(r => setTimeout(r, 5));
      }
      await Promise.race([all, new Promise(r => setTimeout(r, 3000))]);
      return arrived.size;
    };
    const offererToAnswerer = await exchange(sending, receiving);
    const answererToOfferer = await exchange(receiving, sending);

    const describe = async pc => {
      const stats = await pc.getStats();
      let pair;
      stats.forEach(s => { if (s.type === 'transport' && s.selectedCandidatePairId) pair = stats.get(s.selectedCandidatePairId); });
      const candidate = id => {
        const c = stats.get(id);
        return { type: c.candidateType, address: c.address, port: c.port, protocol: c.protocol, relayProtocol: c.relayProtocol ?? null, url: c.url ?? null };
      };
      return { local: candidate(pair.localCandidateId), remote: candidate(pair.remoteCandidateId) };
    };
    return {
      offererToAnswerer,
      answererToOfferer,
      offererPair: await describe(offerer),
      answererPair: await describe(answerer),
      gathered,
      errors,
    };
  } catch (error) {
    return { error: String(error), gathered, errors, iceState: [offerer.iceConnectionState, answerer.iceConnectionState] };
  } finally {
    offerer.close();
    answerer.close();
  }
}
