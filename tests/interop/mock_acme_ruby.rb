# Debian's ruby-acme-client (Acme::Client 2.0, Ruby, Faraday) against mock-acme:
# a client library of another lineage, through every call it has. Run by
# mock_acme_ruby.sh; each step prints "ok: ..." or raises.
#   ruby mock_acme_ruby.rb DIRECTORY CA_FILE HTTP_PORT MANAGEMENT_URL
require 'acme-client'
require 'net/http'
require 'openssl'
require 'time'
require 'webrick'

directory, ca_file, http_port, management = ARGV
connection = { ssl: { ca_file: ca_file } }

def check(what)
  raise "failed: #{what}" unless yield
  puts "ok: #{what}"
end

def management_get(base, path)
  Net::HTTP.get(URI(base + path))
end

# http-01 answered from memory by WEBrick on 127.0.0.1:HTTP_PORT
answers = {}
server = WEBrick::HTTPServer.new(BindAddress: '127.0.0.1', Port: http_port.to_i, AccessLog: [],
                                 Logger: WEBrick::Log.new(File::NULL))
server.mount_proc('/.well-known/acme-challenge/') do |request, response|
  token = request.path.split('/').last
  if answers.key?(token)
    response.body = answers[token]
    response['Content-Type'] = 'text/plain'
  else
    response.status = 404
  end
end
Thread.new { server.start }

def wait_while(resource, *states)
  60.times do
    return resource.status unless states.include?(resource.status)
    sleep 0.2
    resource.reload
  end
  raise "still #{resource.status}"
end

# validates every authorization of `order` over http-01
def authorize(order, answers)
  order.authorizations.each do |authorization|
    next if authorization.status == 'valid'
    challenge = authorization.http01
    answers[challenge.token] = challenge.file_content
    challenge.request_validation
    status = wait_while(challenge, 'pending', 'processing')
    raise "challenge for #{authorization.identifier['value']}: #{status} #{challenge.error}" unless status == 'valid'
  end
end

def verify(pem, root_pem)
  certs = pem.scan(/-----BEGIN CERTIFICATE-----.+?-----END CERTIFICATE-----/m).map { |c| OpenSSL::X509::Certificate.new(c) }
  store = OpenSSL::X509::Store.new
  store.add_cert(OpenSSL::X509::Certificate.new(root_pem))
  context = OpenSSL::X509::StoreContext.new(store, certs.first, certs.drop(1))
  [context.verify, certs.first]
end

root0 = management_get(management, '/roots/0')
root1 = management_get(management, '/roots/1')
root1_name = OpenSSL::X509::Certificate.new(root1).subject.to_a.find { |n| n[0] == 'CN' }[1]

# acme-client 2.0.9 writes a P-256 key's x and y without their leading zero bytes (BN#to_s(2),
# unpadded), which RFC 7518 §6.2.1.2 forbids: mock-acme refuses such a JWK, as Boulder's go-jose
# does. One key in about 128 has such a coordinate, so the keys that sign here are drawn without
# one; one that has one is shown refused, with the reason.
def p256_key(short_coordinate)
  loop do
    key = OpenSSL::PKey::EC.generate('prime256v1')
    point = key.public_key.to_bn.to_s(2) # 0x04 || x || y, each 32 bytes
    short = point.getbyte(1).zero? || point.getbyte(33).zero?
    return key if short == short_coordinate
  end
end

short_key = p256_key(true)
begin
  Acme::Client.new(private_key: short_key, directory: directory, connection_options: connection)
              .new_account(contact: 'mailto:short@example.test', terms_of_service_agreed: true)
  raise 'a JWK with a short coordinate was taken'
rescue Acme::Client::Error => e
  check("a JWK with a coordinate cut short refused: #{e.message}") { e.message.include?('must be 32 bytes') }
end

account_key = p256_key(false)
client = Acme::Client.new(private_key: account_key, directory: directory, connection_options: connection)
check('directory meta read') { client.terms_of_service.to_s.start_with?('https://') && client.caa_identities.is_a?(Array) }
account = client.new_account(contact: 'mailto:ruby@example.test', terms_of_service_agreed: true)
check('account created, ES256') { account.status == 'valid' && client.kid.start_with?('https://') }

order = client.new_order(identifiers: ['ruby.example.test', 'www.ruby.example.test'])
check('order pending with two authorizations') { order.status == 'pending' && order.authorizations.size == 2 }
authorize(order, answers)
check('order ready once both are valid') { order.reload; order.status == 'ready' }
cert_key = OpenSSL::PKey::RSA.new(2048)
csr = Acme::Client::CertificateRequest.new(private_key: cert_key, subject: { common_name: 'ruby.example.test' },
                                           names: ['ruby.example.test', 'www.ruby.example.test'])
order.finalize(csr: csr)
check('order valid after finalize') { wait_while(order, 'processing') == 'valid' }
pem = order.certificate
ok, leaf = verify(pem, root0)
check('chain verifies against /roots/0') { ok }
check('both names on the certificate') do
  leaf.extensions.find { |e| e.oid == 'subjectAltName' }.value.split(', ').sort == ['DNS:ruby.example.test', 'DNS:www.ruby.example.test']
end
alternate = order.certificate(force_chain: root1_name)
check("force_chain picks the alternate chain up to #{root1_name}") { verify(alternate, root1)[0] && !verify(alternate, root0)[0] }

# an order with a requested validity (RFC 8555 §7.4 notAfter), the authorizations reused
# (the library passes the value on as it is given: an RFC 3339 string here)
not_after = Time.at(Time.now.to_i + 10 * 86_400).utc
short = client.new_order(identifiers: ['ruby.example.test'], not_after: not_after.iso8601)
authorize(short, answers)
short.finalize(csr: Acme::Client::CertificateRequest.new(private_key: OpenSSL::PKey::EC.generate('prime256v1'),
                                                          names: ['ruby.example.test']))
wait_while(short, 'processing')
short_leaf = OpenSSL::X509::Certificate.new(short.certificate)
check('notAfter as requested') { (short_leaf.not_after - not_after).abs <= 1 }

revoked = client.revoke(certificate: pem, reason: 4)
status = management_get(management, "/cert-status-by-serial/#{leaf.serial.to_s(16)}")
check('revoked with reason 4 (superseded)') { revoked && status.include?('Revoked') }
begin
  client.revoke(certificate: pem)
  raise 'revoked twice'
rescue Acme::Client::Error => e  # alreadyRevoked (RFC 8555 §7.6), a type 2.0.9 has no class for
  check('a second revocation refused: already revoked') { e.message.include?('already revoked') }
end

gone = client.new_order(identifiers: ['gone.ruby.example.test']).authorizations.first
gone.deactivate
check('an authorization deactivated') { gone.status == 'deactivated' && (gone.reload && gone.status == 'deactivated') }

begin
  client.new_order(identifiers: ['bad..name.example.test'])
  raise 'a malformed name was taken'
rescue Acme::Client::Error::RejectedIdentifier, Acme::Client::Error::Malformed => e
  check("a malformed name refused as #{e.class.name.split('::').last}") { true }
end

updated = client.account_update(contact: 'mailto:new-ruby@example.test')
check('contact updated') { updated.contact == ['mailto:new-ruby@example.test'] }

new_key = p256_key(false)
client.account_key_change(new_private_key: new_key)
rolled = Acme::Client.new(private_key: new_key, directory: directory, connection_options: connection)
check('key changed: the new key finds the account') { rolled.account.kid == client.kid }
begin
  Acme::Client.new(private_key: account_key, directory: directory, connection_options: connection).account
  raise 'the old key still finds the account'
rescue Acme::Client::Error::AccountDoesNotExist
  check('the old key finds none') { true }
end

check('account deactivated') { rolled.account_deactivate.status == 'deactivated' }
begin
  rolled.new_order(identifiers: ['after.ruby.example.test'])
  raise 'a deactivated account ordered'
rescue Acme::Client::Error::Unauthorized
  check('a deactivated account is refused') { true }
end

# an RSA account (RS256)
rsa = Acme::Client.new(private_key: OpenSSL::PKey::RSA.new(2048), directory: directory, connection_options: connection)
rsa.new_account(contact: 'mailto:rsa@example.test', terms_of_service_agreed: true)
rsa_order = rsa.new_order(identifiers: ['rsa.ruby.example.test'])
authorize(rsa_order, answers)
rsa_order.finalize(csr: Acme::Client::CertificateRequest.new(private_key: OpenSSL::PKey::EC.generate('secp384r1'),
                                                              names: ['rsa.ruby.example.test']))
wait_while(rsa_order, 'processing')
check('an RS256 account gets a P-384 certificate') { verify(rsa_order.certificate, root0)[0] }

server.shutdown
puts 'PASS'
