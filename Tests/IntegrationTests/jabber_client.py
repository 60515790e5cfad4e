#!/usr/bin/python3
"""Real XMPP clients (slixmpp) for the in.jabberd integration tests.

usage: jabber_client.py PORT DOMAIN SCENARIO [ARGS...]; prints one JSON object on stdout.
Users are given as NAME:PASSWORD. Every client connects to 127.0.0.1:PORT without TLS, so
slixmpp authenticates with SCRAM (it refuses PLAIN without TLS); with SLUG_XMPP_TLS=starttls
or direct (XEP-0368) it uses TLS, verifying the server against the CA in SLUG_XMPP_CA, as
slixmpp does by default.
"""
import asyncio
import datetime
import json
import os
import signal
import sys
import time

import slixmpp

# PORT, or [ADDRESS]:PORT for another address than 127.0.0.1 (e.g. [::1]:5222).
HOST, _, PORT = sys.argv[1].rpartition(':')
HOST = HOST.strip('[]') or '127.0.0.1'
PORT = int(PORT)
DOMAIN = sys.argv[2]
SCENARIO = sys.argv[3]
ARGS = sys.argv[4:]
DELAY = '{urn:xmpp:delay}delay'
STANZA_ID = '{urn:xmpp:sid:0}stanza-id'
TLS = os.environ.get('SLUG_XMPP_TLS', '')
CA = os.environ.get('SLUG_XMPP_CA')


class Client(slixmpp.ClientXMPP):
    def __init__(self, user, password, resource, mechanism=None, plugins=(), interests=()):
        super().__init__(f'{user}@{DOMAIN}/{resource}', password, sasl_mech=mechanism)
        for plugin in plugins:
            self.register_plugin(plugin)
        for node in interests:
            self['xep_0163'].add_interest(node)
        self.user = user
        self.presences = {}
        self.messages = []
        self.add_event_handler('presence', self.on_presence)
        self.add_event_handler('message', self.on_message)

    async def get_dns_records(self, domain, port=None):
        # The server is HOST:PORT: slixmpp would otherwise resolve the domain (localhost's ::1)
        # and try its default port 5222 first.
        return [(HOST, HOST, PORT)]

    def on_presence(self, presence):
        self.presences[str(presence['from'])] = {
            'type': presence['type'], 'show': presence['show'], 'status': presence['status'],
            'at': time.monotonic()}

    def on_message(self, message):
        delay = message.xml.find(DELAY)
        self.messages.append({
            'from': str(message['from']), 'type': message['type'], 'body': message['body'],
            'delay': delay.get('stamp') if delay is not None else None, 'at': time.monotonic(),
            'stanza_ids': [[s.get('by'), s.get('id')] for s in message.xml.findall(STANZA_ID)]})

    def available(self, user):
        return [jid for jid, p in self.presences.items()
                if jid.startswith(f'{user}@') and p['type'] != 'unavailable']

    def mechanism(self):
        mech = getattr(self.plugin['feature_mechanisms'], 'mech', None)
        return getattr(mech, 'name', None)


def credentials(text):
    user, _, password = text.partition(':')
    return user, password


async def login(text, resource='test', status=None, roster=True, mechanism=None, plugins=(), interests=()):
    """A logged-in client (presence sent), or the failure as a string. PLUGINS are slixmpp's
    (xep_0060, ...); INTERESTS the PEP nodes it asks notifications of (XEP-0163 +notify)."""
    user, password = credentials(text)
    client = Client(user, password, resource, mechanism, plugins, interests)
    done = asyncio.get_running_loop().create_future()

    def finish(value):
        if not done.done():
            done.set_result(value)

    client.add_event_handler('session_start', lambda _: finish('ok'))
    client.add_event_handler('failed_all_auth', lambda _: finish('refused'))
    client.add_event_handler('disconnected', lambda _: finish('disconnected'))
    if CA:
        client.ca_certs = CA
    connect(client)
    try:
        result = await asyncio.wait_for(done, 30)
    except asyncio.TimeoutError:
        result = 'timeout'
    if result != 'ok':
        client.disconnect()
        return result
    if roster:
        await client.get_roster()
    client.send_presence(pstatus=status)
    return client


def connect(client):
    if TLS == 'direct':
        client.connect(address=(HOST, PORT), use_ssl=True, force_starttls=False, disable_starttls=True)
    elif TLS == 'starttls':
        client.connect(address=(HOST, PORT))
    else:
        client.connect(address=(HOST, PORT), force_starttls=False, disable_starttls=True)


async def until(condition, timeout=10.0):
    end = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > end:
            return False
        await asyncio.sleep(0.01)
    return True


async def logout(client):
    gone = asyncio.get_running_loop().create_future()
    client.add_event_handler('disconnected', lambda _: gone.done() or gone.set_result(True))
    client.disconnect()
    try:
        await asyncio.wait_for(gone, 5)
    except asyncio.TimeoutError:
        pass


def roster_of(client):
    return sorted(str(jid) for jid in client.client_roster if str(jid) != client.boundjid.bare)


async def group(users):
    """USERS log in together, each sees every other available, each sends the next one a
    message; what each saw."""
    clients = await asyncio.gather(*(login(u, status=f'status of {credentials(u)[0]}') for u in users))
    failed = [c for c in clients if isinstance(c, str)]
    if failed:
        return {'error': failed}
    names = [c.user for c in clients]
    all_seen = await until(lambda: all(
        all(c.available(other) for other in names if other != c.user) for c in clients), 30)
    for index, client in enumerate(clients):
        target = clients[(index + 1) % len(clients)]
        client.send_message(mto=f'{target.user}@{DOMAIN}', mbody=f'hello {target.user} from {client.user}',
                            mtype='chat')
    all_received = await until(lambda: all(c.messages for c in clients), 30)
    report = {
        'all_seen': all_seen, 'all_received': all_received,
        'clients': {c.user: {
            'mechanism': c.mechanism(), 'roster': roster_of(c),
            'statuses': sorted(p['status'] for jid, p in c.presences.items()
                               if not jid.startswith(f'{c.user}@') and p['type'] != 'unavailable'),
            'messages': [(m['from'], m['body']) for m in c.messages]} for c in clients}}
    await asyncio.gather(*(logout(c) for c in clients))
    return report


async def send(sender, recipient, body):
    client = await login(sender)
    if isinstance(client, str):
        return {'error': client}
    client.send_message(mto=f'{recipient}@{DOMAIN}', mbody=body, mtype='chat')
    await logout(client)
    return {'sent': True}


async def receive(user, seconds):
    client = await login(user)
    if isinstance(client, str):
        return {'error': client}
    await until(lambda: client.messages, float(seconds))
    await asyncio.sleep(0.3)
    await logout(client)
    return {'messages': [{k: m[k] for k in ('from', 'body', 'type', 'delay')} for m in client.messages]}


async def attempt(user, mechanism=None):
    """One login (with MECHANISM only, if given): ok or why not, and the mechanism used."""
    client = await login(user, mechanism=mechanism)
    if isinstance(client, str):
        return {'result': client}
    await logout(client)
    return {'result': 'ok', 'mechanism': client.mechanism()}


async def listen(user, seconds):
    """Logged in and available for SECONDS (prints READY on stderr first): what arrived."""
    client = await login(user)
    if isinstance(client, str):
        return {'error': client}
    print('READY', file=sys.stderr, flush=True)
    await until(lambda: client.messages, float(seconds))
    await asyncio.sleep(0.3)
    await logout(client)
    return {'messages': [{k: m[k] for k in ('from', 'body', 'type')} for m in client.messages],
            'presences': client.presences}


async def pushes(user, seconds):
    """Logged in with the roster fetched (READY on stderr); the roster once it changed."""
    client = await login(user)
    if isinstance(client, str):
        return {'error': client}
    before = roster_of(client)
    print('READY', file=sys.stderr, flush=True)
    changed = await until(lambda: roster_of(client) != before, float(seconds))
    after = roster_of(client)
    await logout(client)
    return {'before': before, 'after': after, 'changed': changed}


def server_process(client):
    """The in.jabberd serving this client: the socket whose peer is our local port."""
    local_port = client.transport.get_extra_info('sockname')[1]
    inodes = set()
    for line in open('/proc/net/tcp').read().splitlines()[1:]:
        fields = line.split()
        if int(fields[1].split(':')[1], 16) == PORT and int(fields[2].split(':')[1], 16) == local_port:
            inodes.add(f'socket:[{fields[9]}]')
    for pid in filter(str.isdigit, os.listdir('/proc')):
        try:
            for fd in os.listdir(f'/proc/{pid}/fd'):
                if os.readlink(f'/proc/{pid}/fd/{fd}') in inodes:
                    return int(pid)
        except OSError:
            continue
    return None


async def kill(watcher, victim):
    """VICTIM's in.jabberd is killed with SIGKILL: how long until WATCHER sees it unavailable."""
    watching = await login(watcher)
    dying = await login(victim)
    if isinstance(watching, str) or isinstance(dying, str):
        return {'error': [watching, dying]}
    victim_user = dying.user
    seen = await until(lambda: watching.available(victim_user), 10)
    pid = server_process(dying)
    if pid is None:
        return {'error': 'no server process found'}
    command = open(f'/proc/{pid}/comm').read().strip()
    killed_at = time.monotonic()
    os.kill(pid, signal.SIGKILL)
    gone = await until(lambda: not watching.available(victim_user), 10)
    unavailable = [p for jid, p in watching.presences.items()
                   if jid.startswith(f'{victim_user}@') and p['type'] == 'unavailable']
    elapsed = unavailable[0]['at'] - killed_at if unavailable else None
    await logout(watching)
    return {'seen_before': bool(seen), 'command': command, 'gone': gone, 'seconds': elapsed}


async def pair(sender, receiver, go, body):
    """SENDER and RECEIVER online, each seeing the other (READY on stderr); once the file GO
    exists, SENDER sends BODY to RECEIVER's bare JID; what each received within 2 s after."""
    sending = await login(sender)
    receiving = await login(receiver)
    if isinstance(sending, str) or isinstance(receiving, str):
        return {'error': [str(sending), str(receiving)]}
    await until(lambda: sending.available(receiving.user) and receiving.available(sending.user), 10)
    print('READY', file=sys.stderr, flush=True)
    await until(lambda: os.path.exists(go), 30)
    sending.send_message(mto=f'{receiving.user}@{DOMAIN}', mbody=body, mtype='chat')
    await until(lambda: receiving.messages, 2)
    await asyncio.sleep(1)
    report = {c.user: [[m['from'], m['body']] for m in c.messages] for c in (sending, receiving)}
    await asyncio.gather(logout(sending), logout(receiving))
    return report


async def resume(phone_text, other_text, count):
    """PHONE (XEP-0198 with resumption) and OTHER send each other COUNT numbered messages, one
    every 20 ms each; after a third of them the in.jabberd serving PHONE is killed with SIGKILL
    and PHONE resumes its stream on a new connection (a new process) while both go on sending.
    What each received, with every body as many times as it arrived."""
    count = int(count)
    phone = await login(phone_text, resource='phone', plugins=('xep_0198',))
    other = await login(other_text, resource='desk')
    if isinstance(phone, str) or isinstance(other, str):
        return {'error': [phone, other]}
    phone_user, other_user = phone.user, other.user
    await until(lambda: phone.available(other_user) and other.available(phone_user), 10)
    online = asyncio.Event()
    online.set()
    resumed = []
    phone.add_event_handler('session_resumed', lambda _: (resumed.append(True), online.set()))
    phone.add_event_handler('session_start', lambda _: online.set())

    def lost(_):
        online.clear()
        connect(phone)

    phone.add_event_handler('disconnected', lost)
    sm_id = phone.plugin['xep_0198'].sm_id

    async def talk(client, to, prefix, wait_online):
        for number in range(1, count + 1):
            if wait_online:
                await asyncio.wait_for(online.wait(), 30)
            client.send_message(mto=f'{to}@{DOMAIN}', mbody=f'{prefix} {number}', mtype='chat')
            await asyncio.sleep(0.02)

    async def killer():
        await until(lambda: len(phone.messages) >= count // 3, 30)
        pid = server_process(phone)
        os.kill(pid, signal.SIGKILL)
        return pid

    killed, _, _ = await asyncio.gather(
        killer(), talk(other, phone_user, 'to phone', False), talk(phone, other_user, 'from phone', True))
    await until(lambda: len(phone.messages) >= count and len(other.messages) >= count, 20)
    await asyncio.sleep(1)  # anything duplicated would arrive by now
    report = {
        'killed': killed, 'resumed': bool(resumed), 'same_stream': phone.plugin['xep_0198'].sm_id == sm_id,
        'phone': [m['body'] for m in phone.messages], 'other': [m['body'] for m in other.messages]}
    phone.del_event_handler('disconnected', lost)
    await asyncio.gather(logout(phone), logout(other))
    return report


async def devices(user_text, other_text):
    """USER on a laptop and on a phone with carbons (XEP-0280); OTHER writes to the laptop and
    the laptop answers; the phone goes inactive (XEP-0352), OTHER changes its presence and
    writes, the phone goes active again. What the phone saw."""
    laptop = await login(user_text, resource='laptop', plugins=('xep_0280',))
    phone = await login(user_text, resource='phone', plugins=('xep_0280', 'xep_0352'))
    other = await login(other_text, resource='desk')
    if any(isinstance(c, str) for c in (laptop, phone, other)):
        return {'error': [laptop, phone, other]}
    await phone.plugin['xep_0280'].enable()
    carbons = []
    phone.add_event_handler(
        'carbon_received', lambda m: carbons.append(['received', str(m['carbon_received']['from']), m['carbon_received']['body']]))
    phone.add_event_handler(
        'carbon_sent', lambda m: carbons.append(['sent', str(m['carbon_sent']['to']), m['carbon_sent']['body']]))
    user = laptop.user
    await until(lambda: other.available(user) and phone.available(other.user), 10)
    other.send_message(mto=f'{user}@{DOMAIN}/laptop', mbody='to the laptop', mtype='chat')
    await until(lambda: laptop.messages, 5)
    laptop.send_message(mto=f'{other.user}@{DOMAIN}', mbody='from the laptop', mtype='chat')
    await until(lambda: len(carbons) >= 2, 5)
    phone.plugin['xep_0352'].send_inactive()
    await asyncio.sleep(0.5)
    other.send_presence(pshow='away', pstatus='gone fishing')
    other.send_message(mto=f'{user}@{DOMAIN}/phone', mbody='while inactive', mtype='chat')
    await until(lambda: any(m['body'] == 'while inactive' for m in phone.messages), 5)
    await asyncio.sleep(0.5)
    other_jid = f'{other.user}@{DOMAIN}/desk'
    held = phone.presences.get(other_jid, {}).get('show')
    phone.plugin['xep_0352'].send_active()
    await until(lambda: phone.presences.get(other_jid, {}).get('show') == 'away', 5)
    report = {
        'carbons': carbons, 'laptop': [m['body'] for m in laptop.messages],
        'phone': [m['body'] for m in phone.messages], 'show_while_inactive': held,
        'show_after': phone.presences.get(other_jid, {}).get('show')}
    await asyncio.gather(logout(laptop), logout(phone), logout(other))
    return report


async def archive_pages(client, **filters):
    """The client's archive (XEP-0313) in pages of 10 (XEP-0059): per page, [id, body, stamp in ms]."""
    pages = []
    iterator = client.plugin['xep_0313'].retrieve(iterator=True, rsm={'max': 10}, **filters)
    async for page in iterator:
        pages.append([[r['mam_result']['id'], r['mam_result']['forwarded']['stanza']['body'],
                       round(r['mam_result']['forwarded']['delay']['stamp'].timestamp() * 1000)]
                      for r in page['mam']['results']])
    return pages


async def archive(first, second, count):
    """FIRST sends SECOND COUNT - 5 chat messages, SECOND answers with 5, each waiting for the
    last to arrive; then SECOND pages its archive by 10, all of it and between the stamps of
    its 6th and 15th messages. What was delivered (body, stanza-ids) and what the pages held."""
    plugins = ('xep_0059', 'xep_0313')
    sending = await login(first, plugins=plugins)
    answering = await login(second, plugins=plugins)
    if isinstance(sending, str) or isinstance(answering, str):
        return {'error': [str(sending), str(answering)]}
    await until(lambda: sending.available(answering.user) and answering.available(sending.user), 10)
    count = int(count)
    for number in range(count):
        source, target = (sending, answering) if number < count - 5 else (answering, sending)
        if number == count - 5:
            # The first side's rows are written after delivery: let the last be written.
            await asyncio.sleep(0.3)
        before = len(target.messages)
        source.send_message(mto=f'{target.user}@{DOMAIN}', mbody=f'message {number}', mtype='chat')
        await until(lambda: len(target.messages) > before)
    await asyncio.sleep(0.3)
    delivered = sorted(
        ([m['body'], m['stanza_ids']] for c in (sending, answering) for m in c.messages),
        key=lambda m: int(m[0].split()[1]))
    pages = await archive_pages(answering)
    stamps = [entry[2] for page in pages for entry in page]
    dated = []
    if len(stamps) >= 15:
        start, end = (datetime.datetime.fromtimestamp(stamps[i] / 1000, datetime.timezone.utc) for i in (5, 14))
        dated = await archive_pages(answering, start=start, end=end)
    report = {'delivered': delivered, 'pages': pages, 'dated': dated}
    await asyncio.gather(logout(sending), logout(answering))
    return report


PEP_PLUGINS = ('xep_0004', 'xep_0030', 'xep_0060', 'xep_0115', 'xep_0163')
DEVICELIST = 'eu.siacs.conversations.axolotl.devicelist'
BOOKMARKS = 'urn:xmpp:bookmarks:1'


def publish_options(**fields):
    """A XEP-0060 §7.1.5 publish-options form."""
    form = slixmpp.plugins.xep_0004.Form()
    form['type'] = 'submit'
    form.add_field(var='FORM_TYPE', ftype='hidden', value='http://jabber.org/protocol/pubsub#publish-options')
    for name, value in fields.items():
        form.add_field(var=f'pubsub#{name}', value=value)
    return form


def element(xml):
    return slixmpp.xmlstream.ET.fromstring(xml)


async def outcome(request):
    """'ok', or the error's condition and its pubsub#errors condition."""
    try:
        await request
        return 'ok'
    except slixmpp.exceptions.IqError as error:
        specific = [child.tag.split('}')[1] for child in error.iq.xml.find('{jabber:client}error')
                    if child.tag.startswith('{http://jabber.org/protocol/pubsub#errors}')]
        return ' '.join([error.iq['error']['condition']] + specific)


def pep_events(client):
    """The PEP notifications the client receives: (from, node, [item ids], delay stamp or None)."""
    events = []
    client.add_event_handler('pubsub_publish', lambda message: events.append(
        (str(message['from']), message['pubsub_event']['items']['node'],
         [item.get('id') for item in message.xml.iter('{http://jabber.org/protocol/pubsub#event}item')],
         message.xml.find(DELAY).get('stamp') if message.xml.find(DELAY) is not None else None)))
    return events


def item_ids(result):
    return [item.get('id') for item in result.xml.iter('{http://jabber.org/protocol/pubsub}item')]


async def omemo(publisher, reader):
    """READER (another user, wanting device list notifications) is online; PUBLISHER publishes
    an OMEMO device list and a bundle with publish-options; what READER received and fetched."""
    reading = await login(reader, plugins=PEP_PLUGINS, interests=[DEVICELIST])
    publishing = await login(publisher, plugins=PEP_PLUGINS)
    if isinstance(reading, str) or isinstance(publishing, str):
        return {'error': [str(reading), str(publishing)]}
    events = pep_events(reading)
    await until(lambda: reading.available(publishing.user) and publishing.available(reading.user), 10)
    await asyncio.sleep(0.5)  # reading's caps are learnt (disco#info from the server) by now
    devices = "<list xmlns='eu.siacs.conversations.axolotl'><device id='4711'/></list>"
    bundle = ("<bundle xmlns='eu.siacs.conversations.axolotl'><signedPreKeyPublic signedPreKeyId='1'>"
              "AAAA</signedPreKeyPublic><identityKey>BBBB</identityKey><prekeys>"
              "<preKeyPublic preKeyId='1'>CCCC</preKeyPublic></prekeys></bundle>")
    published = [
        await outcome(publishing['xep_0060'].publish(
            None, DEVICELIST, id='current', payload=element(devices), options=publish_options(access_model='open'))),
        await outcome(publishing['xep_0060'].publish(
            None, 'eu.siacs.conversations.axolotl.bundles:4711', id='current', payload=element(bundle),
            options=publish_options(access_model='open'))),
    ]
    notified = await until(lambda: events, 5)
    owner = f'{publishing.user}@{DOMAIN}'
    fetched_list = await reading['xep_0060'].get_items(owner, DEVICELIST)
    fetched_bundle = await reading['xep_0060'].get_items(owner, 'eu.siacs.conversations.axolotl.bundles:4711')
    info = await reading['xep_0030'].get_info(owner)
    report = {
        'published': published, 'notified': notified, 'events': events,
        'devices': [device.get('id') for device in fetched_list.xml.iter('{eu.siacs.conversations.axolotl}device')],
        'bundle_identity': [key.text for key in fetched_bundle.xml.iter('{eu.siacs.conversations.axolotl}identityKey')],
        'identities': [list(identity[:2]) for identity in info['disco_info']['identities']],
        'features': sorted(info['disco_info']['features'])}
    await asyncio.gather(logout(reading), logout(publishing))
    return report


async def avatar(publisher, reader):
    """PUBLISHER publishes an avatar (XEP-0084, access open) and logs out; then READER logs in
    wanting avatar metadata: what it was sent, and the data it fetched."""
    publishing = await login(publisher, plugins=PEP_PLUGINS + ('xep_0084',))
    if isinstance(publishing, str):
        return {'error': publishing}
    picture = bytes(range(256)) * 4
    options = publish_options(access_model='open')
    avatar_id = publishing['xep_0084'].generate_id(picture)
    published = [
        await outcome(publishing['xep_0084'].publish_avatar(picture, options=options)),
        await outcome(publishing['xep_0084'].publish_avatar_metadata(
            {'id': avatar_id, 'type': 'image/png', 'bytes': len(picture)}, options=options))]
    await logout(publishing)
    reading = await login(reader, plugins=PEP_PLUGINS + ('xep_0084',))
    if isinstance(reading, str):
        return {'error': reading}
    events = pep_events(reading)
    notified = await until(lambda: events, 5)
    data = await reading['xep_0084'].retrieve_avatar(f'{publishing.user}@{DOMAIN}', avatar_id)
    values = list(data.xml.iter('{urn:xmpp:avatar:data}data'))
    await logout(reading)
    return {'published': published, 'notified': notified, 'events': events, 'avatar_id': avatar_id,
            'data_matches': bool(values) and base64_payload(values[0]) == picture}


def base64_payload(payload):
    import base64
    return base64.b64decode(''.join(payload.itertext()))


async def bookmarks(owner, other):
    """OWNER publishes a XEP-0402 bookmark with its publish-options, then one with contradicting
    options; OTHER tries to read OWNER's bookmarks."""
    owning = await login(owner, plugins=PEP_PLUGINS)
    if isinstance(owning, str):
        return {'error': owning}
    conference = "<conference xmlns='urn:xmpp:bookmarks:1' name='Everyone' autojoin='true'><nick>me</nick></conference>"
    options = dict(persist_items='true', max_items='max', send_last_published_item='never', access_model='whitelist')
    first = await outcome(owning['xep_0060'].publish(
        None, BOOKMARKS, id=f'everyone@rooms.{DOMAIN}', payload=element(conference), options=publish_options(**options)))
    options['access_model'] = 'open'
    second = await outcome(owning['xep_0060'].publish(
        None, BOOKMARKS, id=f'other@rooms.{DOMAIN}', payload=element(conference), options=publish_options(**options)))
    own = item_ids(await owning['xep_0060'].get_items(f'{owning.user}@{DOMAIN}', BOOKMARKS))
    # An old client's view (XEP-0048 in XEP-0049 private XML), mirrored from the XEP-0402 node.
    private = owning.Iq(stype='get')
    private.xml.append(element("<query xmlns='jabber:iq:private'><storage xmlns='storage:bookmarks'/></query>"))
    legacy = [conference.get('jid') for conference in
              (await private.send()).xml.iter('{storage:bookmarks}conference')]
    await logout(owning)
    reading = await login(other, plugins=PEP_PLUGINS)
    if isinstance(reading, str):
        return {'error': reading}
    foreign = await outcome(reading['xep_0060'].get_items(f'{owning.user}@{DOMAIN}', BOOKMARKS))
    await logout(reading)
    return {'first': first, 'second': second, 'own_items': own, 'legacy': legacy, 'other_reads': foreign}


ROOM = f'everyone@conference.{DOMAIN}'


async def join(client, room, nick, **history):
    """Joins ROOM (XEP-0045) and waits for the subject: (own status codes, history) or the
    error condition."""
    try:
        own, _, _, history = await client.plugin['xep_0045'].join_muc_wait(room, nick, timeout=10, **history)
    except slixmpp.exceptions.PresenceError as error:
        return error.condition
    return sorted(own['muc']['status_codes']), history


def room_messages(client):
    return [m for m in client.messages if m['type'] == 'groupchat' and m['body']]


async def rooms(late_text, *users):
    """USERS join the room for everyone and see each other there; each sends three messages;
    then LATE joins and gets the history. What each saw."""
    clients = await asyncio.gather(*(login(u, plugins=['xep_0045']) for u in users))
    failed = [c for c in clients if isinstance(c, str)]
    if failed:
        return {'error': failed}
    names = [c.user for c in clients]
    joined = await asyncio.gather(*(join(c, ROOM, c.user) for c in clients))
    muc = [c.plugin['xep_0045'] for c in clients]
    all_seen = await until(lambda: all(sorted(m.get_roster(ROOM)) == sorted(names) for m in muc), 10)
    for n in range(3):
        for client in clients:
            client.send_message(mto=ROOM, mbody=f'{n} from {client.user}', mtype='groupchat')
    all_received = await until(lambda: all(len(room_messages(c)) >= 3 * len(clients) for c in clients), 20)
    await asyncio.sleep(0.3)
    late = await login(late_text, plugins=['xep_0045'])
    if isinstance(late, str):
        return {'error': late}
    late_join = await join(late, ROOM, late.user)
    report = {
        'all_seen': all_seen, 'all_received': all_received,
        'codes': [j[0] if isinstance(j, tuple) else j for j in joined],
        'clients': {c.user: [[m['from'].rpartition('/')[2], m['body']] for m in room_messages(c)] for c in clients},
        'late': [[str(m['from']).rpartition('/')[2], m['body'], m.get_plugin('delay', check=True) is not None]
                 for m in late_join[1]] if isinstance(late_join, tuple) else late_join,
        'late_occupants': sorted(late.plugin['xep_0045'].get_roster(ROOM))}
    await asyncio.gather(*(logout(c) for c in clients + [late]))
    return report


async def join_room(user, room):
    """USER joins ROOM (a local part) and leaves: its own status codes, or the error."""
    client = await login(user, plugins=['xep_0045'])
    if isinstance(client, str):
        return {'error': client}
    result = await join(client, f'{room}@conference.{DOMAIN}', client.user)
    await logout(client)
    return {'codes': result[0]} if isinstance(result, tuple) else {'error': result}


async def upload(user, path, content_type):
    """XEP-0363 as slixmpp does it: find the service, ask a slot, PUT the file (aiohttp,
    trusting the CA in SSL_CERT_FILE); the GET URL, or the error."""
    client = await login(user, plugins=['xep_0030', 'xep_0363'])
    if isinstance(client, str):
        return {'error': client}
    try:
        await find_upload_service(client)
        url = await client['xep_0363'].upload_file(path, content_type=content_type, timeout=30)
        result = {'url': url, 'service': str(client['xep_0363'].upload_service),
                  'max': client['xep_0363'].max_file_size}
    except Exception as error:
        result = {'error': type(error).__name__, 'detail': str(error)}
    await logout(client)
    return result


async def find_upload_service(client):
    """What xep_0363's own discovery does (the server's disco#items, then the disco#info of
    each for store/file and the feature, and the max-file-size form), which slixmpp 1.8.3
    cannot run on Python 3.11: its get_info_from_domain hands asyncio.wait coroutines."""
    plugin = client['xep_0363']
    items = await client['xep_0030'].get_items(jid=DOMAIN, timeout=10)
    for item in items['disco_items']['items']:
        info = await client['xep_0030'].get_info(jid=item[0], timeout=10)
        found = info['disco_info']
        if ('store', 'file') not in [identity[:2] for identity in found['identities']]:
            continue
        if 'urn:xmpp:http:upload:0' not in found['features']:
            continue
        plugin.upload_service = info['from']
        for form in found.iterables:
            values = form['values']
            if values.get('FORM_TYPE') == ['urn:xmpp:http:upload:0']:
                plugin.max_file_size = int(values['max-file-size'])
        return


async def slot(user, name, size, content_type=''):
    """A slot request alone: its URLs, or the error's condition, text and max-file-size."""
    client = await login(user, plugins=['xep_0030', 'xep_0363'])
    if isinstance(client, str):
        return {'error': client}
    try:
        iq = await client['xep_0363'].request_slot(
            slixmpp.JID('upload.' + DOMAIN), name, int(size), content_type or None, timeout=10)
        result = {'put': iq['http_upload_slot']['put']['url'], 'get': iq['http_upload_slot']['get']['url']}
    except slixmpp.exceptions.IqError as error:
        largest = error.iq.xml.find('.//{urn:xmpp:http:upload:0}max-file-size')
        result = {'condition': error.condition, 'text': error.text,
                  'max': largest.text if largest is not None else None}
    await logout(client)
    return result


async def room_archive(first, second, count, room):
    """FIRST and SECOND join ROOM (a local part); FIRST sends COUNT groupchat messages, each
    waiting for SECOND to get it; then SECOND pages the room's archive (XEP-0313 §5) by 10, all
    of it, between the stamps of the 6th and 15th, and with FIRST's nick. A third outcome: the
    archive query of a user who is not in the room's members (when ROOM is members-only)."""
    plugins = ('xep_0045', 'xep_0059', 'xep_0313')
    room_jid = f'{room}@conference.{DOMAIN}'
    sending = await login(first, plugins=plugins)
    reading = await login(second, plugins=plugins)
    if isinstance(sending, str) or isinstance(reading, str):
        return {'error': [str(sending), str(reading)]}
    joined = [await join(c, room_jid, c.user) for c in (sending, reading)]
    if not all(isinstance(j, tuple) for j in joined):
        return {'error': joined}
    for number in range(int(count)):
        before = len(room_messages(reading))
        sending.send_message(mto=room_jid, mbody=f'message {number}', mtype='groupchat')
        await until(lambda: len(room_messages(reading)) > before)
    delivered = [[m['body'], m['stanza_ids']] for m in room_messages(reading)]
    pages = await archive_pages(reading, jid=slixmpp.JID(room_jid))
    stamps = [entry[2] for page in pages for entry in page]
    dated = []
    if len(stamps) >= 15:
        start, end = (datetime.datetime.fromtimestamp(stamps[i] / 1000, datetime.timezone.utc) for i in (5, 14))
        dated = await archive_pages(reading, jid=slixmpp.JID(room_jid), start=start, end=end)
    by_nick = await archive_pages(reading, jid=slixmpp.JID(room_jid), with_jid=slixmpp.JID(f'{room_jid}/{first.partition(":")[0]}'))
    by_other = await archive_pages(reading, jid=slixmpp.JID(room_jid), with_jid=slixmpp.JID(f'{room_jid}/{reading.user}'))
    report = {'delivered': delivered, 'pages': pages, 'dated': dated, 'by_nick': sum(len(p) for p in by_nick),
              'by_other': sum(len(p) for p in by_other)}
    await asyncio.gather(logout(sending), logout(reading))
    return report


async def room_archive_refused(user, room):
    """USER asks ROOM's archive: 'ok' or the error condition."""
    client = await login(user, plugins=('xep_0059', 'xep_0313'))
    if isinstance(client, str):
        return {'error': client}
    result = await outcome(client.plugin['xep_0313'].retrieve(jid=slixmpp.JID(f'{room}@conference.{DOMAIN}')))
    await logout(client)
    return {'outcome': result}


async def invitations(owner, invitee, other, room):
    """OWNER joins ROOM (a local part) and invites INVITEE, online twice (laptop and phone),
    through the room (XEP-0045 §7.8.2); the laptop joins, the phone declines; OTHER invites
    INVITEE directly (XEP-0249). What each resource got, the laptop's join and the decline."""
    room_jid = f'{room}@conference.{DOMAIN}'
    inviting = await login(owner, plugins=('xep_0045',))
    laptop = await login(invitee, resource='laptop', plugins=('xep_0045', 'xep_0249'))
    phone = await login(invitee, resource='phone', plugins=('xep_0045', 'xep_0249'))
    direct = await login(other, plugins=('xep_0249',))
    clients = (inviting, laptop, phone, direct)
    if any(isinstance(c, str) for c in clients):
        return {'error': [str(c) for c in clients]}
    mediated, directed, declines = {}, {}, []
    for client in (laptop, phone):
        client.add_event_handler('groupchat_invite', lambda m, c=client: mediated.setdefault(c.boundjid.resource, []).append(
            [str(m['from']), str(m['muc']['invite']['from']), m['muc']['invite']['reason']]))
        client.add_event_handler('groupchat_direct_invite', lambda m, c=client: directed.setdefault(
            c.boundjid.resource, []).append([str(m['from']), str(m['groupchat_invite']['jid'])]))
    errors = []
    inviting.add_event_handler('message_error', lambda m: errors.append(m['error']['condition']))
    # A decline has no body: slixmpp's 'message' event leaves it out, and its own decline
    # event is broken in 1.8.3 (it looks for `self.room`).
    inviting.register_handler(slixmpp.xmlstream.handler.Callback(
        'decline', slixmpp.xmlstream.matcher.StanzaPath('message/muc/decline'),
        lambda m: declines.append([str(m['from']), str(m['muc']['decline']['from'])])))
    owner_join = await join(inviting, room_jid, inviting.user)
    inviting.plugin['xep_0045'].invite(slixmpp.JID(room_jid), slixmpp.JID(f'{laptop.user}@{DOMAIN}'), 'come in')
    got_all = await until(lambda: len(mediated) == 2, 10)
    laptop_join = await join(laptop, room_jid, 'invited')
    phone.plugin['xep_0045'].decline(slixmpp.JID(room_jid), slixmpp.JID(f'{inviting.user}@{DOMAIN}'), 'busy')
    await until(lambda: declines, 10)
    direct.plugin['xep_0249'].send_invitation(slixmpp.JID(f'{laptop.user}@{DOMAIN}'), slixmpp.JID(room_jid), reason='also')
    await until(lambda: len(directed) == 2, 10)
    report = {'owner_join': owner_join[0] if isinstance(owner_join, tuple) else owner_join, 'got_all': got_all,
              'mediated': mediated, 'laptop_join': laptop_join[0] if isinstance(laptop_join, tuple) else laptop_join,
              'declines': declines, 'direct': directed, 'errors': errors}
    await asyncio.gather(*(logout(c) for c in clients))
    return report


async def room_admin(owner, second, third, room):
    """OWNER makes ROOM (a local part) by joining it, SECOND and THIRD join; OWNER kicks SECOND
    (who joins again), bans THIRD (who tries to), lists the outcasts, makes SECOND an admin,
    lists the admins, then destroys the room. What SECOND and THIRD were shown, and the
    answers."""
    room_jid = slixmpp.JID(f'{room}@conference.{DOMAIN}')
    clients = [await login(u, plugins=('xep_0045',)) for u in (owner, second, third)]
    if any(isinstance(c, str) for c in clients):
        return {'error': [str(c) for c in clients]}
    alice, bob, carol = clients
    shown = {c.user: [] for c in clients}
    muc_user = '{http://jabber.org/protocol/muc#user}x'
    for client in clients:
        def record(presence, c=client):
            x = presence.xml.find(muc_user)
            if presence['from'].resource == c.user and x is not None:
                shown[c.user].append([presence['type'], sorted(int(s.get('code')) for s in x.findall(muc_user[:-1] + 'status')),
                                      [i.get('affiliation') for i in x.findall(muc_user[:-1] + 'item')],
                                      x.find(muc_user[:-1] + 'destroy') is not None])
        client.add_event_handler('groupchat_presence', record)
    joins = [await join(c, room_jid, c.user) for c in clients]
    muc = alice.plugin['xep_0045']
    report = {'joins': [j[0] if isinstance(j, tuple) else j for j in joins]}
    report['kick'] = await outcome(muc.set_role(room_jid, bob.user, 'none', reason='calm down'))
    await until(lambda: any(s[0] == 'unavailable' for s in shown[bob.user]))
    rejoin = await join(bob, room_jid, bob.user)
    report['rejoin'] = rejoin[0] if isinstance(rejoin, tuple) else rejoin
    report['ban'] = await outcome(muc.set_affiliation(room_jid, 'outcast', jid=slixmpp.JID(f'{carol.user}@{DOMAIN}')))
    await until(lambda: any(s[0] == 'unavailable' for s in shown[carol.user]))
    banned = await join(carol, room_jid, carol.user)
    report['banned_join'] = banned[0] if isinstance(banned, tuple) else banned
    report['outcasts'] = [str(j) for j in await muc.get_affiliation_list(room_jid, 'outcast')]
    report['grant'] = await outcome(muc.set_affiliation(room_jid, 'admin', jid=slixmpp.JID(f'{bob.user}@{DOMAIN}')))
    await until(lambda: any('admin' in s[2] for s in shown[bob.user]))
    report['admins'] = [str(j) for j in await muc.get_affiliation_list(room_jid, 'admin')]
    report['destroy'] = await outcome(muc.destroy(room_jid, reason='done'))
    await until(lambda: any(s[3] for s in shown[bob.user]))
    report['shown'] = shown
    await asyncio.gather(*(logout(c) for c in clients))
    return report


async def nick_clash(watcher, first, second):
    """WATCHER is in the room for everyone; FIRST and SECOND join it as `sam` at once. Who
    WATCHER sees as sam once things settle, and the conflicts the two were told."""
    clients = await asyncio.gather(*(login(u, plugins=('xep_0045',)) for u in (watcher, first, second)))
    if any(isinstance(c, str) for c in clients):
        return {'error': [str(c) for c in clients]}
    watching, racers = clients[0], clients[1:]
    await join(watching, ROOM, watching.user)
    conflicts = []
    # Raw: slixmpp's presence_error event leaves out a room's error after a join it took.
    for client in racers:
        client.register_handler(slixmpp.xmlstream.handler.Callback(
            'nick-conflict', slixmpp.xmlstream.matcher.StanzaPath('presence@type=error'),
            lambda p, c=client: conflicts.append([c.user, p['error']['condition']]) if p['from'].bare == ROOM else None))
    muc = [c.plugin['xep_0045'] for c in racers]
    for m in muc:
        m.join_muc(slixmpp.JID(ROOM), 'sam')
    await until(lambda: len(conflicts) >= 1, 10)
    await asyncio.sleep(0.5)
    sam = watching.plugin['xep_0045'].get_jid_property(slixmpp.JID(ROOM), 'sam', 'jid')
    report = {'sam': str(sam).partition('@')[0] if sam else None, 'conflicts': conflicts}
    await asyncio.gather(*(logout(c) for c in clients))
    return report


async def blocking(blocker_text, blocked_text):
    """BLOCKER (two resources, xep_0191) blocks BLOCKED: the pushes, the list, what BLOCKED's
    message and presence do, and what BLOCKER's message to BLOCKED gets; then an unblock."""
    laptop = await login(blocker_text, 'laptop', plugins=('xep_0191',))
    phone = await login(blocker_text, 'phone', plugins=('xep_0191',))
    other = await login(blocked_text)
    if any(isinstance(c, str) for c in (laptop, phone, other)):
        return {'error': [str(c) for c in (laptop, phone, other)]}
    await until(lambda: other.available(laptop.user) and laptop.available(other.user), 10)
    blocked_jid = f'{other.user}@{DOMAIN}'
    pushes = {'laptop': [], 'phone': []}
    for name, client in (('laptop', laptop), ('phone', phone)):
        client.add_event_handler('blocked', lambda iq, name=name: pushes[name].append(
            [str(jid) for jid in iq['block']['items']]))
    await laptop['xep_0191'].block([blocked_jid])
    await until(lambda: pushes['laptop'] and pushes['phone'], 5)
    listed = await phone['xep_0191'].get_blocked()
    await until(lambda: not other.available(laptop.user), 5)
    hidden = not other.available(laptop.user)
    errors = []
    other.add_event_handler('message_error', lambda message: errors.append(message['error']['condition']))
    other.send_message(mto=f'{laptop.user}@{DOMAIN}', mbody='let me in', mtype='chat')
    await until(lambda: errors, 5)
    refusals = []
    laptop.add_event_handler('message_error', lambda message: refusals.append(
        [message['error']['condition']] + [child.tag for child in message.xml.find('{jabber:client}error')
                                           if child.tag.startswith('{urn:xmpp:blocking:errors}')]))
    laptop.send_message(mto=blocked_jid, mbody='psst', mtype='chat')
    await until(lambda: refusals, 5)
    await asyncio.sleep(0.3)
    received = [m['body'] for c in (laptop, phone) for m in c.messages]
    await laptop['xep_0191'].unblock([blocked_jid])
    back = await until(lambda: other.available(laptop.user), 5)
    other.send_message(mto=f'{laptop.user}@{DOMAIN}/laptop', mbody='hello again', mtype='chat')
    await until(lambda: any(m['body'] == 'hello again' for m in laptop.messages), 5)
    report = {
        'pushes': pushes, 'listed': sorted(str(jid) for jid in listed['blocklist']['items']), 'hidden': hidden,
        'errors': errors, 'refusals': refusals, 'received_while_blocked': received, 'back': back,
        'after': [m['body'] for m in laptop.messages]}
    await asyncio.gather(logout(laptop), logout(phone), logout(other))
    return report


async def vcard(owner_text, reader_text):
    """OWNER sets its vcard-temp (XEP-0054, slixmpp's xep_0054) and logs out; READER fetches it."""
    owning = await login(owner_text, plugins=('xep_0054',))
    if isinstance(owning, str):
        return {'error': owning}
    card = owning['xep_0054'].make_vcard()
    card['FN'] = 'Alice Liddell'
    card['NICKNAME'] = 'alice'
    published = await outcome(owning['xep_0054'].publish_vcard(card))
    await logout(owning)
    reading = await login(reader_text, plugins=('xep_0054',))
    if isinstance(reading, str):
        return {'error': reading}
    fetched = await reading['xep_0054'].get_vcard(f'{owning.user}@{DOMAIN}', local=False)
    await logout(reading)
    return {'published': published, 'name': fetched['vcard_temp']['FN'], 'nickname': fetched['vcard_temp']['NICKNAME']}


async def main():
    if SCENARIO == 'resume':
        return await resume(*ARGS)
    if SCENARIO == 'devices':
        return await devices(*ARGS)
    if SCENARIO == 'group':
        return await group(ARGS)
    if SCENARIO == 'send':
        return await send(*ARGS)
    if SCENARIO == 'receive':
        return await receive(*ARGS)
    if SCENARIO == 'attempt':
        return await attempt(*ARGS)
    if SCENARIO == 'listen':
        return await listen(*ARGS)
    if SCENARIO == 'pushes':
        return await pushes(*ARGS)
    if SCENARIO == 'kill':
        return await kill(*ARGS)
    if SCENARIO == 'pair':
        return await pair(*ARGS)
    if SCENARIO == 'archive':
        return await archive(*ARGS)
    if SCENARIO == 'omemo':
        return await omemo(*ARGS)
    if SCENARIO == 'avatar':
        return await avatar(*ARGS)
    if SCENARIO == 'bookmarks':
        return await bookmarks(*ARGS)
    if SCENARIO == 'rooms':
        return await rooms(*ARGS)
    if SCENARIO == 'join':
        return await join_room(*ARGS)
    if SCENARIO == 'upload':
        return await upload(*ARGS)
    if SCENARIO == 'slot':
        return await slot(*ARGS)
    if SCENARIO == 'room-archive':
        return await room_archive(*ARGS)
    if SCENARIO == 'room-archive-refused':
        return await room_archive_refused(*ARGS)
    if SCENARIO == 'invitations':
        return await invitations(*ARGS)
    if SCENARIO == 'room-admin':
        return await room_admin(*ARGS)
    if SCENARIO == 'nick-clash':
        return await nick_clash(*ARGS)
    if SCENARIO == 'blocking':
        return await blocking(*ARGS)
    if SCENARIO == 'vcard':
        return await vcard(*ARGS)
    raise SystemExit(f'unknown scenario {SCENARIO}')


print(json.dumps(asyncio.run(main())), flush=True)
