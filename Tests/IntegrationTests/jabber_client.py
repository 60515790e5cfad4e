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
    if SCENARIO == 'blocking':
        return await blocking(*ARGS)
    if SCENARIO == 'vcard':
        return await vcard(*ARGS)
    raise SystemExit(f'unknown scenario {SCENARIO}')


print(json.dumps(asyncio.run(main())), flush=True)
