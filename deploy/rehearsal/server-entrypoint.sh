#!/usr/bin/env bash
# Entrypoint of the rehearsal's server: a fresh host key, the deploy key's public half in
# authorized_keys, then sshd in the foreground as the deploy user, on SSH_PORT of 127.0.0.1.
set -o errexit -o nounset -o pipefail

: "${AUTHORIZED_KEY:?must hold the public half of the deploy key}"
ssh_dir=$HOME/.ssh
sshd_dir=$HOME/.sshd
install -d -m 700 "$ssh_dir" "$sshd_dir"
printf '%s\n' "$AUTHORIZED_KEY" > "$ssh_dir/authorized_keys"
chmod 600 "$ssh_dir/authorized_keys"
if [ ! -f "$sshd_dir/host_ed25519_key" ]; then
  ssh-keygen -q -t ed25519 -N "" -C "rehearsal-server" -f "$sshd_dir/host_ed25519_key"
fi
cat > "$sshd_dir/sshd_config" <<CONFIG
ListenAddress ${SSH_LISTEN:-127.0.0.1}
Port ${SSH_PORT:-2222}
HostKey $sshd_dir/host_ed25519_key
PidFile $sshd_dir/sshd.pid
AuthorizedKeysFile $ssh_dir/authorized_keys
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
PermitRootLogin no
AllowUsers $(id -un)
PrintMotd no
CONFIG
exec /usr/sbin/sshd -D -e -f "$sshd_dir/sshd_config"
