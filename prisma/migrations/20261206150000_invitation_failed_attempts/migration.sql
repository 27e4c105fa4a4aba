-- AlterTable
ALTER TABLE "Invitation" ADD COLUMN     "failedAttempts" INTEGER NOT NULL DEFAULT 0;
